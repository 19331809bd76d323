-- Which production deploys shipped the highest share of AI-written changed lines?
-- Parameters:
--   :min_lines int = 20   leave out deploys that changed fewer lines
--   :top int = 20         how many deploys
SELECT dc.deploy_id,
       dc.service,
       MIN(dc.deployed_epoch) AS deployed_epoch,
       COUNT(*) AS commits,
       SUM(c.added_lines + c.deleted_lines) AS changed_lines,
       ROUND(100.0 * SUM(CASE WHEN p.ai THEN c.added_lines + c.deleted_lines ELSE 0 END)
             / SUM(c.added_lines + c.deleted_lines), 1) AS ai_line_pct
FROM deploy_commits dc
JOIN commits c ON c.repo = dc.repo AND c.sha = dc.sha
JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
WHERE LOWER(dc.environment) IN ('production', 'prod', 'prd', 'live')
GROUP BY dc.deploy_id, dc.service
HAVING SUM(c.added_lines + c.deleted_lines) >= :min_lines
ORDER BY ai_line_pct DESC, changed_lines DESC, dc.deploy_id
LIMIT :top;
