-- Which AI tools and models were in use, week by week (weeks from Monday, UTC, as epoch seconds)?
-- Parameters: none.
SELECT c.committer_epoch - ((c.committer_epoch - 345600) % 604800) AS week_start_epoch,
       COALESCE(p.tool, 'unnamed') AS tool,
       COALESCE(p.model, '-') AS model,
       COUNT(*) AS commits,
       SUM(c.added_lines) AS added_lines
FROM provenance p
JOIN commits c ON c.repo = p.repo AND c.sha = p.sha
WHERE p.ai
GROUP BY c.committer_epoch - ((c.committer_epoch - 345600) % 604800), COALESCE(p.tool, 'unnamed'), COALESCE(p.model, '-')
ORDER BY week_start_epoch, commits DESC, tool, model;
