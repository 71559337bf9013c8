"""The benchmark: tasks, protocols, metrics, submissions and the leaderboard.

Knows nothing of features or models; baselines submit prediction files like anyone else.
Imports here stay light (numpy, csv, json) so that `cmedbench score` starts fast.
"""
