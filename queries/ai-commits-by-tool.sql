-- How many commits did each AI tool write, per repository, and how many lines?
-- Parameters: none.
SELECT p.repo,
       p.tool,
       COUNT(*) AS commits,
       SUM(c.added_lines) AS added_lines,
       SUM(p.ai_added_lines) AS ai_added_lines_exact
FROM provenance p
JOIN commits c ON c.repo = p.repo AND c.sha = p.sha
WHERE p.ai
GROUP BY p.repo, p.tool
ORDER BY commits DESC, p.repo, p.tool;
