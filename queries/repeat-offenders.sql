-- Which files were changed by more than one commit that likely caused an incident?
-- Parameters:
--   :min_probability float = 0.5   how sure the attribution must be
SELECT f.repo,
       f.path,
       COUNT(DISTINCT s.sha) AS culprit_commits,
       COUNT(DISTINCT s.incident_id) AS incidents
FROM suspects s
JOIN commit_files f ON f.repo = s.repo AND f.sha = s.sha
WHERE s.kind = 'commit' AND s.probability >= :min_probability
GROUP BY f.repo, f.path
HAVING COUNT(DISTINCT s.sha) >= 2
ORDER BY culprit_commits DESC, incidents DESC, repo, path;
