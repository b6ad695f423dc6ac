.PHONY: run test bench bench-all

run:
	./scripts/run

test:
	./scripts/test

bench:
	.venv/bin/python -m bench --write

bench-all:
	.venv/bin/python -m bench.suite
