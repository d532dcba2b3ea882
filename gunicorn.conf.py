"""gunicorn settings, read automatically from the working directory.

The access log leaves out the client's address (%(h)s), the X-Forwarded-For header and
the user agent: students sign from school and home devices, and none of that is needed
to run the site. Paths carry no names (only codes and tokens). See docs/security.md.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# time, request line, status, response size, duration in microseconds
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(D)sus'
