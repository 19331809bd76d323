-- What is the change failure rate of production deploys carrying each AI tool's commits?
-- Parameters: none.
WITH production AS (
    SELECT id FROM deploys
    WHERE kind = 'deploy' AND status = 'success'
      AND LOWER(environment) IN ('production', 'prod', 'prd', 'live')
),
failed AS (
    SELECT DISTINCT id FROM (
        SELECT deploy_id AS id FROM suspects WHERE kind = 'deploy' AND probability >= 0.5
        UNION ALL
        SELECT rollback_of AS id FROM deploys WHERE kind = 'rollback' AND rollback_of IS NOT NULL
    ) f
),
carried AS (
    SELECT DISTINCT dc.deploy_id, COALESCE(p.tool, 'unnamed') AS tool
    FROM deploy_commits dc
    JOIN provenance p ON p.repo = dc.repo AND p.sha = dc.sha
    WHERE p.ai
)
SELECT c.tool,
       COUNT(*) AS deploys,
       SUM(CASE WHEN f.id IS NULL THEN 0 ELSE 1 END) AS failed,
       ROUND(100.0 * SUM(CASE WHEN f.id IS NULL THEN 0 ELSE 1 END) / COUNT(*), 1) AS change_failure_pct
FROM carried c
JOIN production d ON d.id = c.deploy_id
LEFT JOIN failed f ON f.id = c.deploy_id
GROUP BY c.tool
ORDER BY deploys DESC, c.tool;
