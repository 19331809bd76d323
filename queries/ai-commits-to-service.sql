-- Which AI-provenance commits reached one service in production in a period?
-- Parameters:
--   :service text              the catalog service
--   :since date = 1970-01-01   first day deployed (UTC)
--   :until date = 2100-01-01   first day after the period (UTC)
SELECT dc.repo,
       dc.sha,
       p.tool,
       p.model,
       MIN(dc.deployed_epoch) AS deployed_epoch,
       MIN(dc.deploy_id) AS deploy_id,
       c.subject
FROM deploy_commits dc
JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
JOIN commits c ON c.repo = dc.repo AND c.sha = dc.sha
WHERE dc.service = :service
  AND p.ai
  AND LOWER(dc.environment) IN ('production', 'prod', 'prd', 'live')
  AND dc.deployed_epoch >= :since
  AND dc.deployed_epoch < :until
GROUP BY dc.repo, dc.sha, p.tool, p.model, c.subject
ORDER BY deployed_epoch, dc.repo, dc.sha;
