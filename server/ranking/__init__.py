"""Monthly rankings (月排名, 群晾晒): rule (rules.py, default_rule.json, calendar.json), computation and publication
(service.py) over the figures (figures.py), boards and "me" (boards.py), posters (poster.py), XLSX (documents.py),
API (routes.py); test and benchmark support in testing/."""
