-- Which services received the most AI-written change in production, and what share of their change was it?
-- Parameters:
--   :since date = 1970-01-01   first day deployed (UTC)
--   :until date = 2100-01-01   first day after the period (UTC)
SELECT dc.service,
       SUM(CASE WHEN p.ai THEN 1 ELSE 0 END) AS ai_commits,
       COUNT(*) AS commits,
       SUM(CASE WHEN p.ai THEN c.added_lines + c.deleted_lines ELSE 0 END) AS ai_changed_lines,
       SUM(c.added_lines + c.deleted_lines) AS changed_lines,
       ROUND(100.0 * SUM(CASE WHEN p.ai THEN c.added_lines + c.deleted_lines ELSE 0 END)
             / SUM(c.added_lines + c.deleted_lines), 1) AS ai_line_pct
FROM deploy_commits dc
JOIN commits c ON c.repo = dc.repo AND c.sha = dc.sha
JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
WHERE LOWER(dc.environment) IN ('production', 'prod', 'prd', 'live')
  AND dc.deployed_epoch >= :since
  AND dc.deployed_epoch < :until
GROUP BY dc.service
ORDER BY ai_changed_lines DESC, dc.service;
