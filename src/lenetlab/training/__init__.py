"""Training, evaluation and checkpoints: everything between a data set and a trained model."""
