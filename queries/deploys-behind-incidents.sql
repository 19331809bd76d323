-- Which deploy most likely caused each incident, what did it ship, who or what wrote its likeliest commit, and how soon did the incident follow?
-- Parameters:
--   :since date = 1970-01-01   first day the incident started (UTC)
--   :min_probability float = 0.5   how sure the attribution must be
SELECT i.id AS incident,
       i.severity,
       d.id AS deploy_id,
       d.service,
       i.started_epoch - d.started_epoch AS seconds_after_deploy,
       sd.probability AS deploy_probability,
       sc.sha,
       sc.probability AS commit_probability,
       COALESCE(p.origin, 'unknown') AS origin,
       p.tool,
       c.subject
FROM incidents i
JOIN suspects sd ON sd.incident_id = i.id
JOIN deploys d ON d.id = sd.deploy_id
LEFT JOIN suspects sc ON sc.incident_id = i.id AND sc.deploy_id = d.id
LEFT JOIN commits c ON c.repo = sc.repo AND c.sha = sc.sha
LEFT JOIN provenance p ON p.repo = sc.repo AND p.sha = sc.sha
WHERE sd.kind = 'deploy' AND sd.rank = 1 AND sd.probability >= :min_probability
  AND (sc.kind = 'commit' AND sc.rank = 1 OR sc.kind IS NULL)
  AND i.started_epoch >= :since
ORDER BY i.started_epoch, incident;
