"""`make bench`: the portal's performance figures (README "Performance").

`python -m bench.run` starts its own PostgreSQL and Redis (in `.data/bench/`), seeds its
own data, serves the portal with gunicorn and drives it with wrk. See bench/run.py.
"""
