"""Background jobs (后台任务): long computations run off the web worker, with their state in the database."""
