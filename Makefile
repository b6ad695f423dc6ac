.PHONY: run test bench

run:
	./scripts/run

test:
	./scripts/test

bench:
	.venv/bin/python -m bench --write
