-- Which incidents have an AI-provenance commit as their most likely cause?
-- Parameters:
--   :min_probability float = 0.5   how sure the attribution must be
SELECT i.id AS incident,
       i.title,
       i.severity,
       s.sha,
       s.deploy_id,
       ROUND(s.probability, 3) AS probability,
       p.tool,
       p.model
FROM suspects s
JOIN incidents i ON i.id = s.incident_id
JOIN provenance p ON p.repo = s.repo AND p.sha = s.sha
WHERE s.kind = 'commit' AND s.rank = 1 AND p.ai AND s.probability >= :min_probability
ORDER BY i.started_epoch, i.id;
