"""Engine-free audio helpers shared by the tasks (arrays in, arrays out).

* :mod:`~nmfab.mir.onsets`: onset picking on activations, mir_eval onset scores.
* :mod:`~nmfab.mir.notes`: note events from pitch activations.
* :mod:`~nmfab.mir.pitch`: MIDI pitch of spectral templates, merging activations by pitch.
* :mod:`~nmfab.mir.templates`: drum templates from annotated hits.
* :mod:`~nmfab.mir.note_metrics`: mir_eval note and frame scores, threshold cross-validation.

Nothing here reads files, knows the experiment engine or prints.
"""
