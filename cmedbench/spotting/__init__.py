"""Long-video spotting and Spot-then-Recognize (MEGC 2020-2025): untrimmed per-participant videos, their
events table, interval tasks and fold maps, the interval submission parser, MEGC's interval metrics, a
motion-peak spotter with its floors, and timeline plots. Depends on ``bench`` (ledger, protocols), never
the other way round."""
