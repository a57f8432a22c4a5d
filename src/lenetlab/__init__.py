"""lenetlab: LeNet-5 on real MNIST, real handwriting, and learning rules a brain might use."""

__version__ = "0.1.0"
