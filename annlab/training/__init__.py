"""Running scenarios: the runner (the one place a scenario is trained, as events), the trainer
and the batched learning-rate sweep with their shared storage, and the non-training kinds'
tables and galleries. Above the engine's maths, below the views."""
