"""The field client (H5 for grid members, WeUI look) and the public tip-off pages, served as static ES modules."""
