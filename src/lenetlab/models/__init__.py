"""The networks: LeNet-5 in the course's form and in LeCun's 1998 form."""

from lenetlab.models.lenet import ARCHITECTURES, LeNet5, count_parameters, get_architecture

__all__ = ["ARCHITECTURES", "LeNet5", "count_parameters", "get_architecture"]
