"""The decision-boundary map of a 2-D classifier, drawn in the terminal.

Every character cell is a point of the input plane, its background the class the network
predicts there (from ``annlab.engine.boundary``); the data points are drawn on top in their
true class's colour, so a point on the wrong colour is one the network gets wrong. It follows
the cursor's epoch, and so moves as training runs when the cursor follows it (G, or play).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from annlab.app.panels import LabPanel
from annlab.app.view import View
from annlab.engine.boundary import cell_of, class_grid, plane_bounds
from annlab.language import _

CLASS_STYLES = 6  # lab--class-0 … lab--class-5 in the stylesheet; more classes reuse them


class BoundaryPanel(LabPanel):
    COMPONENT_CLASSES = LabPanel.COMPONENT_CLASSES | {f"lab--class-{k}" for k in range(CLASS_STYLES)} | {
        f"lab--region-{k}" for k in range(CLASS_STYLES)
    }

    def draw(self, view: View):
        s = view.session
        inputs, targets = s.scenario.inputs, s.scenario.targets
        assert inputs is not None and targets is not None
        columns = max(10, min(self.size.width - 2 if self.size.width else 40, 80))
        rows = max(5, min(self.size.height - 3 if self.size.height else 12, 24))
        # The parameters after this epoch's update once the update step is reached, else before.
        if view.step.kind == "update":
            weights, biases = view.update.weights, view.update.biases
            when = (_("after epoch {epoch}, batch {batch}") if view.batched else _("after epoch {epoch}")).format(epoch=f"{view.epoch:,}", batch=view.update_index + 1)
        else:
            weights, biases = view.values.weights, view.values.biases
            when = (_("at the start of epoch {epoch}, batch {batch}") if view.batched else _("at the start of epoch {epoch}")).format(epoch=f"{view.epoch:,}", batch=view.update_index + 1)
        x_range, y_range = plane_bounds(inputs)
        grid = class_grid(s.activations, weights, biases, x_range, y_range, columns, rows)
        labels = targets.argmax(axis=1) if targets.shape[1] > 1 else (targets[:, 0] >= 0.5).astype(int)
        cells = cell_of(inputs, x_range, y_range, columns, rows)
        marks: dict[tuple[int, int], int] = {}
        for (r, c), label in zip(cells.tolist(), labels.tolist()):
            marks[(r, c)] = label
        # Meaning without colour too (NO_COLOR, colour-blind learners): each data point is its
        # class's capital letter, and the predicted region shows its lower-case letter every
        # few cells, so a "B" among "a"s is a point the network gets wrong in any terminal.
        text = Text()
        for r in range(rows):
            for c in range(columns):
                predicted_class = int(grid.classes[r, c])
                region = self.paint(f"region-{predicted_class % CLASS_STYLES}", background=True)
                if (r, c) in marks:
                    label = marks[(r, c)]
                    text.append(class_letter(label), style=region + self.paint(f"class-{label % CLASS_STYLES}"))
                elif r % 2 == 0 and c % 4 == 0:
                    text.append(class_letter(predicted_class).lower(), style=region + self.paint("dim"))
                else:
                    text.append(" ", style=region)
            text.append("\n")
        predicted = grid_predictions(view, weights, biases)
        accuracy = float(np.mean(predicted == labels)) if labels.size else float("nan")
        letters = [class_letter(k) for k in range(max(2, int(targets.shape[1])))]
        self.border_title = _("boundary: {letters} points, {lower} regions").format(letters=" ".join(letters), lower=" ".join(letters).lower())
        text.append(_("{when}: {share} of {points} points in their class's region").format(when=when, share=f"{accuracy:.0%}", points=labels.size), style=self.paint("dim"))
        return text


def class_letter(k: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[k % 26]


def grid_predictions(view: View, weights, biases) -> np.ndarray:
    from annlab.engine.boundary import predict

    out = predict(view.session.activations, weights, biases, view.session.scenario.inputs)
    return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] >= 0.5).astype(int)
