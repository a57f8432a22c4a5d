# Two commands do everything on a fresh machine:
#   make demo   install, find or fetch MNIST, train LeNet-5, evaluate it, read sample digits
#   make test   install, then run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN ?= runs/demo

# Development machines and CI keep a copy of the data sets beside the repo.
ifneq ($(wildcard ../shared/datasets/mnist),)
export LENETLAB_DATA ?= $(abspath ../shared/datasets)
endif

.PHONY: install demo test bench clean

$(BIN)/lenetlab: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(BIN)/lenetlab

demo: install
	$(BIN)/lenetlab data
	$(BIN)/lenetlab train --out $(RUN) --resume
	$(BIN)/lenetlab evaluate $(RUN)
	$(BIN)/lenetlab predict $(RUN) examples/*.png examples/*.jpg

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/train_speed_accuracy.py

clean:
	rm -rf $(VENV) runs build src/*.egg-info
