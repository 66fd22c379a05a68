"""Per-track figures of the report: V, W and H images and small task views.

Everything is read from the step cache (:class:`~nmfab.experiment.cache.StepCache`);
a missing entry gives a one-line note instead of a figure. Frequency and time axes
come from the feature output's ``sr``, ``n_fft``, ``hop_length`` (and for a CQT
``fmin_midi``, ``bins_per_octave``) when it holds them; otherwise rows and frames.
"""
import numpy as np

from .cache import StepCache, chain_keys
from .figures import pyplot, save


def cached_outputs(task, setting, track, cache_dir):
    """Step name -> cached output dict (None where no cache entry) for one (setting, track)."""
    cache, keys = StepCache(cache_dir), chain_keys(task.steps, setting, track)
    return {step.name: cache.load(step.name, keys[step.name])[0] if step.cache else None
            for step in task.steps}


def _scalar(output, name):
    value = output.get(name)
    return None if value is None else np.asarray(value).item()


def axis_params(feature):
    """specshow keyword arguments for V and W rows (frequency) and V and H columns (time)."""
    sr, hop = _scalar(feature, "sr"), _scalar(feature, "hop_length")
    kind = _scalar(feature, "feature")
    freq = dict(y_axis=None)
    if kind == "cqt" and feature.get("fmin_midi") is not None and sr:
        import librosa

        freq = dict(y_axis="cqt_note", fmin=librosa.midi_to_hz(_scalar(feature, "fmin_midi")),
                    bins_per_octave=int(_scalar(feature, "bins_per_octave") or 12))
    elif sr and kind in (None, "stft"):
        freq = dict(y_axis="linear")
        if feature.get("n_fft") is not None:
            freq["n_fft"] = int(_scalar(feature, "n_fft"))
    time = dict(x_axis="time", hop_length=int(hop)) if sr and hop else dict(x_axis=None)
    common = dict(sr=float(sr)) if sr else {}
    return common, freq, time


def _db(X):
    """Magnitudes in dB relative to the largest (floor -80 dB)."""
    import librosa

    return librosa.amplitude_to_db(np.abs(np.asarray(X, dtype=float)), ref=np.max, top_db=80)


def factors_figure(feature, factors, title, path):
    """V (dB), W (dB) and H images of one factorization, with frequency and time axes."""
    import librosa.display

    plt = pyplot()
    common, freq, time = axis_params(feature)
    V, W, H = (np.asarray(x, dtype=float) for x in (feature["V"], factors["W"], factors["H"]))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw=dict(width_ratios=[4, 1.4, 4]))
    shown = [(V, _db(V), "V (dB)", dict(freq, **time)),
             (W, _db(W), "W (dB)", dict(freq, x_axis=None)),
             (H, H, "H", dict(time, y_axis=None))]
    for ax, (_, data, name, axes_kw) in zip(axes, shown):
        image = librosa.display.specshow(data, ax=ax, cmap="magma", **common, **axes_kw)
        fig.colorbar(image, ax=ax, fraction=0.05)
        ax.set_title(name, fontsize=10)
    axes[1].set_xlabel("component")
    axes[2].set_ylabel("component")
    if freq["y_axis"] is None:
        axes[0].set_ylabel("row")
        axes[1].set_ylabel("row")
    if time["x_axis"] is None:
        axes[0].set_xlabel("frame")
        axes[2].set_xlabel("frame")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def _frame_rate(feature):
    sr, hop = _scalar(feature, "sr"), _scalar(feature, "hop_length")
    return float(sr) / float(hop) if sr and hop else 1.0


def transcription_view(setting, outputs, title, path):
    """Pitch activations (postprocess output) with the reference notes drawn over them."""
    feature, post = outputs.get("feature"), outputs.get("postprocess")
    if not feature or not post or "activations" not in post or "ref_notes" not in feature:
        return None
    plt = pyplot()
    act, pitches = np.asarray(post["activations"], float), np.asarray(post["pitches"])
    seconds = act.shape[1] / _frame_rate(feature)
    fig, ax = plt.subplots(figsize=(12, 3.6))
    ax.imshow(act / max(act.max(), 1e-12), aspect="auto", origin="lower", cmap="Greys",
              extent=(0, seconds, pitches.min() - 0.5, pitches.max() + 0.5) if len(pitches)
              else None)
    ref = np.asarray(feature["ref_notes"]).reshape(-1, 3)
    ax.hlines(ref[:, 2], ref[:, 0], ref[:, 1], colors="tab:red", linewidth=4, alpha=0.5,
              label="reference notes")
    if "sr" in feature and "hop_length" in feature:     # the notes -d scores (cheap to redo)
        from ..tasks.transcription import feature_params, notes_from

        est = notes_from(act, pitches, feature_params(feature), setting)
        ax.hlines(est[:, 2], est[:, 0], est[:, 1], colors="tab:blue", linewidth=1.5,
                  label="estimated notes")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(f"pitch activations (grey), estimated (blue) and reference (red) piano rolls: "
                 f"{title}", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    return save(fig, path)


def drums_view(setting, outputs, title, path):
    """Drum activations (rows of H for the classes) with reference and picked onsets."""
    from ..mir.onsets import pick_onsets
    from ..tasks.drums import class_names, factor, reference_onsets

    feature, factors = outputs.get("feature"), outputs.get("factorize")
    if not feature or not factors:
        return None
    classes, rate = class_names(setting), _frame_rate(feature)
    H = np.asarray(factors["H"], dtype=float)[:len(classes)]
    reference = reference_onsets(feature)
    picked = pick_onsets(H, classes, factor(setting, "picker"), rate, reference)
    plt = pyplot()
    fig, axes = plt.subplots(len(classes), 1, figsize=(12, 1.6 * len(classes) + 0.6),
                             sharex=True, squeeze=False)
    times = np.arange(H.shape[1]) / rate
    for ax, name, row in zip(axes[:, 0], classes, H):
        ax.plot(times, row, color="tab:blue", linewidth=0.8, label="activation")
        top = max(row.max(), 1e-12)
        ax.vlines(reference.get(name, []), 0, top, colors="tab:green", linewidth=0.8,
                  label="reference onsets")
        ax.plot(picked.get(name, []), np.full(len(picked.get(name, [])), top * 0.9), "rv",
                markersize=5, label="picked onsets")
        ax.set_ylabel(name)
    axes[0, 0].legend(fontsize=7, loc="upper right", ncol=3)
    axes[0, 0].set_title(f"drum activations: {title}", fontsize=9)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return save(fig, path)


def separation_view(setting, outputs, title, path):
    """Reference (top) and estimated (bottom) source spectrograms, in dB, one column a source."""
    import librosa
    import librosa.display

    feature, separated = outputs.get("feature"), outputs.get("separate")
    if not feature or not separated or "estimates" not in separated:
        return None
    sr = float(_scalar(feature, "sr"))
    names = str(feature["sources"]).split(",")
    rows = (("reference", np.asarray(feature["references"], dtype=float)),
            ("estimate", np.asarray(separated["estimates"], dtype=float)))
    plt = pyplot()
    fig, axes = plt.subplots(2, len(names), figsize=(3.2 * len(names), 5.2), squeeze=False,
                             sharex=True, sharey=True)
    for row, (kind, signals) in enumerate(rows):
        for column, name in enumerate(names):
            mono = signals[column].reshape(signals.shape[1], -1).mean(axis=1)
            S = np.abs(librosa.stft(mono, n_fft=1024, hop_length=256))
            librosa.display.specshow(_db(S), ax=axes[row, column], sr=sr, hop_length=256,
                                     x_axis="time", y_axis="log", cmap="magma")
            axes[row, column].set_title(f"{kind}: {name}", fontsize=9)
    fig.suptitle(f"sources: {title}", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


#: Task name -> view drawn for the chosen track (from the task's cached outputs).
TASK_VIEWS = {"transcription": transcription_view, "drums": drums_view,
              "separation": separation_view}
