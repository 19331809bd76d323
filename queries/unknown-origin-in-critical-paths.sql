-- Which commits of unknown origin (no AI marker, no human attestation) reached production on critical services?
-- Parameters:
--   :max_tier int = 1   the least critical tier to include (1 is the most critical)
SELECT dc.repo,
       dc.sha,
       MIN(s.tier) AS tier,
       MIN(dc.service) AS first_service,
       MIN(dc.deployed_epoch) AS first_deployed_epoch,
       c.added_lines + c.deleted_lines AS changed_lines,
       c.subject
FROM deploy_commits dc
JOIN services s ON s.name = dc.service
JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
JOIN commits c ON c.repo = dc.repo AND c.sha = dc.sha
WHERE p.origin = 'unknown'
  AND s.tier <= :max_tier
  AND LOWER(dc.environment) IN ('production', 'prod', 'prd', 'live')
GROUP BY dc.repo, dc.sha, c.added_lines, c.deleted_lines, c.subject
ORDER BY changed_lines DESC, dc.repo, dc.sha;
