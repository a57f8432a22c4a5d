"""Using a trained model: from an image file to digits and their probabilities."""

from lenetlab.inference.recogniser import DigitReading, Reading, Recogniser

__all__ = ["DigitReading", "Reading", "Recogniser"]
