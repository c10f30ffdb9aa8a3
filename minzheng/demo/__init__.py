"""Demo data for ``make run`` and the benchmarks: divisions, staff logins, a synthetic population, enrolments,
monitoring feeds and a portal applicant. It seeds every area, so it sits at the top of the import layers
(issue 13); no product module imports it."""
