"""Tests of the handover package (vault/handover): export, verify, import, real peers."""
