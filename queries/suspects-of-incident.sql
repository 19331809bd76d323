-- What may have caused one incident: its suspect deploys and commits, by probability?
-- Parameters:
--   :incident text   the incident's id, as `incidents.id` holds it
SELECT s.kind,
       s.rank,
       s.deploy_id,
       s.service,
       s.sha,
       s.probability,
       p.origin,
       p.tool
FROM suspects s
LEFT JOIN provenance p ON p.repo = s.repo AND p.sha = s.sha
WHERE s.incident_id = :incident
ORDER BY s.probability DESC, s.kind, s.rank;
