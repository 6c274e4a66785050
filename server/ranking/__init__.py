"""Monthly rankings (月排名, 群晾晒): rule (rules.py, default_rule.json, calendar.json), computation and boards
(service.py), API (routes.py), posters (poster.py)."""
