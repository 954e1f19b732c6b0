"""Run every benchmark and print each figure against its target.

    python -m benchmarks                 # everything this machine can run (about 2 minutes)
    python -m benchmarks --quick         # fewer repeats, no million-epoch memory run
    python -m benchmarks --gpu           # only the CuPy vs NumPy table (needs a GPU)
    python -m benchmarks --json OUT.json # also write every figure as JSON

Ratios come from timings taken side by side in this one run (see benchmarks/timing.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

import numpy as np

from benchmarks import chapter
from benchmarks.timing import best_times

RESULTS: list[dict] = []


def report(name: str, value: float, target: str, met: bool | None, detail: str = "") -> None:
    RESULTS.append({"name": name, "value": value, "target": target, "met": met, "detail": detail})
    mark = {True: "met", False: "MISSED", None: "info"}[met]
    print(f"  {name:<58} {value:>10.3g}   target {target:<14} {mark:<7} {detail}", flush=True)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"


def toy(repeats: int) -> None:
    from annlab.engine.backend import numpy_backend
    from annlab.training.runner import run_scenario
    from annlab.playback import render
    from annlab.scenario.bundled import resolve
    from annlab.scenario.loader import load_scenario

    print("1. The chapter's toy network (2-3-1), 1,000 epochs: per-epoch time of the chapter's loop / annlab's")
    base = load_scenario(resolve("toy-backprop"))
    epochs = 1000
    runs = {g: base.with_training(epochs=epochs, gradients=(g,)) for g in ("chain-rule", "finite-difference")}
    backend = numpy_backend()
    times = best_times({
        "chapter": lambda: chapter.train(epochs),
        "chain-rule": lambda: run_scenario(runs["chain-rule"], backend),
        "finite-difference": lambda: run_scenario(runs["finite-difference"], backend),
        "play chain-rule": lambda: render(runs["chain-rule"], run_scenario(runs["chain-rule"], backend)),
    }, repeats=repeats)
    us = {k: v / epochs * 1e6 for k, v in times.items()}
    detail = f"chapter {us['chapter']:.0f} µs/epoch, annlab {{}} µs/epoch"
    report("chain rule: training as `play` runs it", us["chapter"] / us["chain-rule"], "≥ 10x (aim 15)", us["chapter"] / us["chain-rule"] >= 10, detail.format(f"{us['chain-rule']:.1f}"))
    report("chain rule: with the narration rendered too", us["chapter"] / us["play chain-rule"], "≥ 10x (aim 15)", us["chapter"] / us["play chain-rule"] >= 10, detail.format(f"{us['play chain-rule']:.1f}"))
    fd = run_scenario(runs["finite-difference"], backend).runs[0]
    W, _ = chapter.train(epochs)
    same = all(np.array_equal(a, b) for a, b in zip(
        [W[0], W[1], W[2], W[3]], [fd.final_weights[0], fd.final_biases[0], fd.final_weights[1], fd.final_biases[1]]))
    report("finite differences, the chapter's numbers", us["chapter"] / us["finite-difference"], "≥ 3x (aim 5)", us["chapter"] / us["finite-difference"] >= 3 and same,
           detail.format(f"{us['finite-difference']:.1f}") + f"; final weights bit-identical to the chapter's: {same}")


def networks(repeats: int) -> None:
    from annlab.engine.backend import numpy_backend
    from annlab.training.trainer import train
    from benchmarks.cases import NETWORKS, network_case
    from benchmarks.plain import numpy_train, torch_available, torch_train

    print("2. Larger networks (float64, relu hidden layers, softmax + cross-entropy, SGD): time per epoch")
    missing_torch = torch_available()
    for name, (sizes, samples, batch, epochs) in NETWORKS.items():
        scenario = network_case(sizes, samples, batch, epochs)
        net = scenario.network
        args = (net.weights, net.biases, net.activations[:-1], scenario.inputs, scenario.targets, 0.1, epochs, scenario.training.batch_size, 0)
        contenders = {
            "annlab": lambda: train(numpy_backend(), scenario, 0.1),
            "numpy": lambda: numpy_train(*args),
        }
        if missing_torch is None:
            import torch

            contenders["torch"] = lambda: torch_train(*args)
            contenders["torch float32"] = lambda: torch_train(*args, dtype="float32")
        times = best_times(contenders, repeats=repeats)
        ms = {k: v / epochs * 1e3 for k, v in times.items()}
        annlab_run, plain_losses = train(numpy_backend(), scenario, 0.1), numpy_train(*args)[2]
        agree = float(np.max(np.abs(annlab_run.losses - plain_losses)))
        overhead = ms["annlab"] / ms["numpy"] - 1
        report(f"{name}: engine overhead over plain NumPy", overhead * 100, "≤ 15 %", overhead <= 0.15,
               f"annlab {ms['annlab']:.1f} ms, plain NumPy {ms['numpy']:.1f} ms per epoch; losses agree to {agree:.1g}")
        if missing_torch is None:
            rel = ms["torch"] / ms["annlab"]
            report(f"{name}: throughput vs PyTorch CPU (float64)", rel, "≥ 0.8x", rel >= 0.8,
                   f"PyTorch {torch.__version__} {ms['torch']:.1f} ms, float32 {ms['torch float32']:.1f} ms per epoch ({torch.get_num_threads()} threads)")
        else:
            report(f"{name}: throughput vs PyTorch CPU", float("nan"), "≥ 0.8x", None, f"skipped: {missing_torch}")


def sweep(repeats: int) -> None:
    from annlab.engine.backend import numpy_backend
    from annlab.training.sweep import sweep_runs
    from annlab.training.trainer import train
    from annlab.scenario.bundled import resolve
    from annlab.scenario.loader import load_scenario

    print("3. Learning-rate sweep, y = 3x, 1,000 epochs: 1,000 rates batched against one rate alone")
    scenario = load_scenario(resolve("y3x-sweep"))
    times = best_times({
        "one": lambda: train(numpy_backend(), scenario, 0.01, "chain-rule"),
        "sweep": lambda: sweep_runs(numpy_backend(), scenario),
    }, repeats=max(2, repeats // 2))
    ratio = times["sweep"] / times["one"]
    report("1,000 rates cost this many single runs", ratio, "little more than 1", None,
           f"one rate {times['one'] * 1e3:.1f} ms, 1,000 rates {times['sweep'] * 1e3:.0f} ms (one at a time: ~{times['one'] * 1000:.1f} s)")


def startup(repeats: int) -> None:
    from benchmarks.startup import best_seconds, bytecode_written, heavy_imports

    print("4. Start-up: `annlab play toy-backprop` (whole process) against `python -c \"import numpy\"`")
    heavy = heavy_imports()
    play, numpy_only = best_seconds(repeats, cached=True)
    report("play / import numpy, bytecode cached (as installed)", play / numpy_only, "≤ 2x", play / numpy_only <= 2,
           f"play {play * 1e3:.0f} ms, import numpy {numpy_only * 1e3:.0f} ms; heavy modules imported: {', '.join(heavy) or 'none'}")
    if not bytecode_written():
        play, numpy_only = best_seconds(repeats, cached=False)
        report("same, PYTHONDONTWRITEBYTECODE=1 (annlab compiled each start)", play / numpy_only, "info", None,
               f"play {play * 1e3:.0f} ms, import numpy {numpy_only * 1e3:.0f} ms (NumPy's bytecode is installed, annlab's is not)")
    from benchmarks.first_frame import first_frame_seconds

    for scenario in ("toy-backprop", "y3x-compare"):
        frame, empty = first_frame_seconds(scenario, max(3, repeats // 2))
        report(f"app's first frame, {scenario} (fresh process, 120x40): s", frame, "< 1 s", frame < 1,
               f"spawn to first painted frame; an empty Python start alone {empty * 1e3:.0f} ms")


def app(repeats: int) -> None:
    from benchmarks.app_speed import app_sweep_seconds, key_latency, play_sweep_seconds

    print("4b. The app as fast as the engine (its worker drains play's runner)")
    play_s = app_s = float("inf")
    for _ in range(max(2, repeats // 3)):  # interleaved, best of each
        play_s = min(play_s, play_sweep_seconds())
        app_s = min(app_s, app_sweep_seconds())
    report("y3x-sweep (1,000 rates): app / play", app_s / play_s, "≤ 4x", app_s / play_s <= 4,
           f"play's runner {play_s:.2f} s, the app from its screen's mount to the end of training {app_s:.2f} s")
    keys = key_latency()
    report("key to repainted screen during a 2,000,000-epoch run: median ms", keys["busy"] * 1e3, "< 100 ms", keys["busy"] < 0.1,
           f"the same keys once training stopped: {keys['idle'] * 1e3:.0f} ms (busy/idle {keys['busy'] / keys['idle']:.2f}x)")
    report("x to 'training stopped': s", keys["stop"], "< 0.5 s", keys["stop"] < 0.5,
           f"stopped at epoch {keys['reached']:,} of 2,000,000, which the status line then shows")


def memory(quick: bool) -> None:
    from benchmarks.memory import measure

    print("5. Memory: peak resident set of a fresh process")
    for case, epochs, label in (("toy", 100_000 if quick else 1_000_000, "toy network"), ("wide", 100, "784-1024-10")):
        m = measure(case, epochs)
        report(f"{label}, {epochs:,} epochs: peak MB", m["peak_mb"], "< 300 MB", m["peak_mb"] < 300,
               f"every loss kept ({m['losses_kept']:,}); {m['records']:,} records, weights every {m['record_stride']:,} epochs")


def auto_choices() -> None:
    from annlab.training.runner import choose_backend
    from annlab.scenario.bundled import bundled_scenarios
    from annlab.scenario.loader import load_scenario

    from annlab.playback.words import say

    print("6. What `auto` picks for the bundled scenarios (the cost model's predicted epoch on each backend)")
    for entry in bundled_scenarios():
        scenario = load_scenario(entry.path)
        if scenario.kind == "training":
            backend = choose_backend(scenario, "auto")
            print(f"  {entry.name:<20} → {backend.name}: {say(backend.reason)}")


def gpu() -> None:
    from annlab.engine.backend import probe_cupy
    from benchmarks.gpu import gpu_table

    cupy, why = probe_cupy()
    print("7. GPU: CuPy against NumPy, one training step (mean over a block, inside a 100-epoch run), float32")
    if cupy is None:
        report("GPU benchmarks", float("nan"), "≥ 30x at 784-1024-10", None, f"skipped: {why}")
        return
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    print(f"  device: {name}")
    for row in gpu_table():
        target = "≥ 30x" if "784-1024" in row["case"] else "report"
        met = row["speedup"] >= 30 if "784-1024" in row["case"] else None
        report(f"{row['case']}: CuPy speed-up", row["speedup"], target, met,
               f"NumPy {row['numpy_us']:.0f} µs, CuPy {row['cupy_us']:.0f} µs per step; auto → {row['auto']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; a 100,000-epoch memory run")
    parser.add_argument("--gpu", action="store_true", help="only the GPU table")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    print(f"annlab benchmarks on {machine()}")
    if args.gpu:
        gpu()
    else:
        toy(repeats)
        networks(max(2, repeats // 2))
        sweep(repeats)
        startup(repeats)
        app(repeats)
        memory(args.quick)
        auto_choices()
        gpu()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "results": RESULTS}, f, indent=1, default=str)
    missed = [r["name"] for r in RESULTS if r["met"] is False]
    print(f"{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
