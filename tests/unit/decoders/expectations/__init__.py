"""Per-vendor mappings from the shared TTN vectors' vendor output to releve's normalized frame.

Each module here defines ``EXPECTATIONS: dict[str, Callable[[dict], Expected]]`` keyed by the
vector file's ``vendor_id/device_id``; the function receives one example (with ``input`` and
``expected``) and returns what releve's decoder must produce for it.
"""
