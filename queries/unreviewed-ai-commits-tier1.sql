-- Which AI-provenance commits reached production on tier-1 services without a Reviewed-by or Approved-by trailer?
-- Parameters:
--   :since date = 1970-01-01   first day deployed (UTC)
SELECT dc.repo,
       dc.sha,
       p.tool,
       MIN(dc.service) AS first_service,
       COUNT(DISTINCT dc.service) AS tier1_services,
       MIN(dc.deployed_epoch) AS first_deployed_epoch,
       c.subject
FROM deploy_commits dc
JOIN services s ON s.name = dc.service
JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
JOIN commits c ON c.repo = dc.repo AND c.sha = dc.sha
WHERE s.tier = 1
  AND p.ai
  AND LOWER(dc.environment) IN ('production', 'prod', 'prd', 'live')
  AND dc.deployed_epoch >= :since
  AND LOWER(c.body) NOT LIKE '%reviewed-by:%'
  AND LOWER(c.body) NOT LIKE '%approved-by:%'
GROUP BY dc.repo, dc.sha, p.tool, c.subject
ORDER BY first_deployed_epoch, dc.repo, dc.sha;
