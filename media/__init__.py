"""Pure image processing for photo evidence: bytes in, bytes and facts out; no Flask, no database.

Filled by the evidence work (inspect, derivatives, watermark, hashes); kept importable so the layout is settled.
"""
