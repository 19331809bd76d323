-- Which AI-provenance commits of a period did the most damage (realized blast radius), and what could they reach?
-- Parameters:
--   :since date = 1970-01-01   first day committed (UTC)
--   :until date = 2100-01-01   first day after the period (UTC)
--   :top int = 20              how many commits
SELECT c.repo,
       c.sha,
       p.tool,
       p.model,
       b.blast_radius,
       b.potential_blast_radius,
       c.subject
FROM blast_radius b
JOIN commits c ON c.repo = b.repo AND c.sha = b.sha
JOIN provenance p ON p.repo = b.repo AND p.sha = b.sha
WHERE p.ai
  AND c.committer_epoch >= :since
  AND c.committer_epoch < :until
ORDER BY b.blast_radius DESC, b.potential_blast_radius DESC, c.repo, c.sha
LIMIT :top;
