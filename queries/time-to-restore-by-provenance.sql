-- How long do incidents take to restore, by who or what wrote their most likely commit?
-- Parameters:
--   :min_probability float = 0.5   how sure the attribution must be
SELECT COALESCE(p.origin, 'unknown') AS origin,
       COUNT(*) AS incidents,
       ROUND(MEDIAN(i.impact_seconds) / 60.0, 1) AS median_minutes_to_restore,
       ROUND(AVG(i.impact_seconds) / 60.0, 1) AS mean_minutes_to_restore,
       ROUND(MAX(i.impact_seconds) / 60.0, 1) AS longest_minutes
FROM incidents i
JOIN suspects s ON s.incident_id = i.id
LEFT JOIN provenance p ON p.repo = s.repo AND p.sha = s.sha
WHERE s.kind = 'commit' AND s.rank = 1
  AND s.probability >= :min_probability AND i.impact_seconds IS NOT NULL
GROUP BY COALESCE(p.origin, 'unknown')
ORDER BY origin;
