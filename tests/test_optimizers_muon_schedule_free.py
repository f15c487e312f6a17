"""Muon and ScheduleFreeAdamW: Keras's numbers, hand-worked steps, config, names, saving.

The problem is test_optimizers.py's (a float64 linear model with a log-cosh loss; the
(3, 2) "kernel" takes Muon's step, the "bias" AdamW's). Reference trajectories were computed
with Keras 3.15.1, ``opt.apply_gradients`` on float64 variables with the same gradients:
ScheduleFreeAdamW on the TensorFlow backend; Muon on the PyTorch backend, because Keras's
Muon fails on float64 variables under TensorFlow (its √max(rows, cols) is float32) — its
float32 TensorFlow trajectories agree with these to 4e-6. Keras keeps the learning rate in
float32, hence the 1e-7 tolerance.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import optimizer_checks as checks
from shendu import optimizers
from shendu.layers import Variable
from shendu.optimizers import Muon, ScheduleFreeAdamW
from test_optimizers import shendu_trajectory

MAKE = {
    "muon": lambda: Muon(learning_rate=0.05),
    "muon_opts": lambda: Muon(learning_rate=0.05, adam_beta_1=0.8, adam_beta_2=0.99,
                              adam_weight_decay=0.01, epsilon=1e-6, weight_decay=0.02,
                              momentum=0.9, ns_steps=3, nesterov=False, rms_rate=None,
                              adam_lr_ratio=0.5),
    "muon_no_wd": lambda: Muon(learning_rate=0.05, weight_decay=None, adam_weight_decay=None),
    "muon_exclude": lambda: Muon(learning_rate=0.05, exclude_layers=["ker"]),
    "sf": lambda: ScheduleFreeAdamW(learning_rate=0.05),
    "sf_opts": lambda: ScheduleFreeAdamW(learning_rate=0.05, beta_1=0.8, beta_2=0.99,
                                         epsilon=1e-6, warmup_steps=4, weight_decay=0.1),
}
# Keras 3.15.1 (see the module doc): [w.ravel(), b] after steps 1, 2 and 10, settings as MAKE
KERAS = {
    "muon": (
        [-1.2540196588, 1.5026994836, 1.3341000174, 0.7720346649, 0.2743955050, -0.3118519192,
         1.4077293294, 1.9098665925],
        [-1.2489202462, 1.4915122527, 1.3224438774, 0.7628351615, 0.2842403088, -0.3098615085,
         1.3574693015, 1.8595149360],
        [-1.2061560549, 1.4033466495, 1.2338451124, 0.6919803126, 0.3592135180, -0.2967383040,
         0.9589184474, 1.4609815872],
    ),
    "muon_opts": (
        [-1.2438598926, 1.4817396231, 1.3141076420, 0.7562569777, 0.2911221598, -0.3089087038,
         1.4322920679, 1.9342787049],
        [-1.2286070551, 1.4495973353, 1.2822714460, 0.7310498109, 0.3177687325, -0.3038193510,
         1.4065815646, 1.9083002466],
        [-1.1031443877, 1.1948220268, 1.0268046744, 0.5235508927, 0.5279704846, -0.2610520285,
         1.2021410739, 1.6996878658],
    ),
    "muon_no_wd": (
        [-1.2542714719, 1.5030022684, 1.3343691925, 0.7721909272, 0.2744483961, -0.3119147037,
         1.4080209335, 1.9102586442],
        [-1.2494230710, 1.4921154810, 1.3229788451, 0.7631453423, 0.2843485029, -0.3099863842,
         1.3580423381, 1.8602889119],
        [-1.2086422317, 1.4062665960, 1.2363643823, 0.6934236947, 0.3598674067, -0.2973244610,
         0.9613638508, 1.4644393629],
    ),
    "muon_exclude": (
        [-1.2088140488, 1.4636212137, 1.2956081736, 0.7311564477, 0.3144021069, -0.3638592348,
         1.4077293294, 1.9098665925],
        [-1.1585734192, 1.4133595145, 1.2453718147, 0.6810693709, 0.3643266099, -0.4137534896,
         1.3574573897, 1.8594657474],
        [-0.7574402163, 1.0179745100, 0.8478041887, 0.2876733325, 0.7607739947, -0.8032732595,
         0.9573396188, 1.4544705276],
    ),
    "sf": (
        [-1.2090655324, 1.4639237747, 1.2958754291, 0.7313114041, 0.3144556291, -0.3639228128,
         1.4080206836, 1.9102583167],
        [-1.1840741094, 1.4391929941, 1.2710677599, 0.7067889305, 0.3393430076, -0.3886412782,
         1.3831073623, 1.8850605444],
        [-0.9843690927, 1.2448627225, 1.0751319715, 0.5149949593, 0.5368106536, -0.5819051803,
         1.1849562200, 1.6817658201],
    ),
    "sf_opts": (
        [-1.2465655580, 1.5014237923, 1.3333755758, 0.7688115041, 0.2769555805, -0.3264227518,
         1.4455207031, 1.9477583422],
        [-1.2309500875, 1.4852020965, 1.3175649691, 0.7544479267, 0.2887499798, -0.3380742838,
         1.4294172124, 1.9303642227],
        [-1.0289024813, 1.2813765153, 1.1157887359, 0.5664403766, 0.4596905673, -0.5054638873,
         1.2246703553, 1.7123983506],
    ),
}


@pytest.mark.parametrize("case", sorted(MAKE))
@pytest.mark.parametrize("loose", [False, True])
def test_trajectory_matches_keras(case, loose):
    checks.check_trajectory(MAKE[case](), KERAS[case], loose, atol=1e-7)


# -- hand-worked steps ---------------------------------------------------------------------------
def _ns5(g, steps=5, a=3.4445, b=-4.7750, c=2.0315):
    """Quintic Newton–Schulz written out: X ← aX + (bA + cA²)X with A = XXᵀ, wide side last."""
    x = g.T if g.shape[0] > g.shape[1] else g
    x = x / (math.sqrt(float((x**2).sum())) + 1e-7)
    for _ in range(steps):
        gram = x.dot(x.T)
        x = a * x + (b * gram + c * gram.dot(gram)).dot(x)
    return x.T if g.shape[0] > g.shape[1] else x


@pytest.mark.parametrize("shape", [(2, 3), (3, 2)])
def test_muon_hand_worked_two_steps(shape):
    # kernel → Muon step, bias → AdamW step; η = 0.1, every other argument Keras's default
    lr, mu, wd, b1, b2, eps = 0.1, 0.95, 0.004, 0.9, 0.999, 1e-7
    rng = np.random.default_rng(5)
    k0, b0 = rng.normal(size=shape), rng.normal(size=3)
    gk = [rng.normal(size=shape) for _ in range(2)]
    gb = [rng.normal(size=3) for _ in range(2)]
    kernel, bias = Variable(k0.copy(), "dense/kernel"), Variable(b0.copy(), "dense/bias")
    opt = Muon(learning_rate=lr)
    k, b = k0.copy(), b0.copy()
    mk, mb, vb = np.zeros(shape), np.zeros(3), np.zeros(3)
    for t in (1, 2):
        opt.apply_gradients([(gk[t - 1], kernel), (gb[t - 1], bias)])
        k, b = k * (1 - lr * wd), b * (1 - lr * wd)  # both weight decays are 0.004
        mk = mu * mk + gk[t - 1]
        k = k - lr * _ns5(gk[t - 1] + mu * mk) * math.sqrt(3) * 0.2  # rms_rate · √max(2, 3)
        mb = b1 * mb + (1 - b1) * gb[t - 1]
        vb = b2 * vb + (1 - b2) * gb[t - 1] ** 2
        # Keras's ε is "epsilon hat": added to √v, so to √v̂ it is ε / √(1 − β₂ᵗ)
        b = b - lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + eps / math.sqrt(1 - b2**t))
        np.testing.assert_allclose(kernel.data, k, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(bias.data, b, rtol=1e-12)


def test_newton_schulz_is_near_orthogonal():
    from shendu.optimizers.muon import newton_schulz

    g = np.random.default_rng(2).normal(size=(4, 6))
    q = newton_schulz(g, steps=5)
    np.testing.assert_allclose(q, _ns5(g), rtol=1e-13)
    singular = np.linalg.svd(q, compute_uv=False)
    assert np.all((singular > 0.6) & (singular < 1.25))  # the quintic's band, not exactly 1


def test_schedule_free_hand_worked_two_steps():
    # Keras's three lines, written as Keras runs them on TensorFlow: x is recovered with the
    # z of *after* its update; η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    y, z, v = np.array([1.0, -2.0]), np.array([1.0, -2.0]), np.zeros(2)
    w = Variable(y.copy(), "w")
    opt = ScheduleFreeAdamW(learning_rate=lr)
    for t, g in enumerate([np.array([0.5, -1.0]), np.array([2.0, 1.0])], start=1):
        opt.apply_gradients([(g, w)])
        v = b2 * v + (1 - b2) * g * g
        z = z - lr * g / (np.sqrt(v / (1 - b2**t)) + eps)
        x = (y - (1 - b1) * z) / b1
        x = (1 - 1 / t) * x + z / t
        y = (1 - b1) * z + b1 * x
        np.testing.assert_allclose(w.data, y, rtol=1e-14)
        np.testing.assert_allclose(opt.z, z, rtol=1e-14)
        if t == 1:  # by hand: |g| / √(g²) = 1, so y = z = y₀ − η · sign(g)
            np.testing.assert_allclose(w.data, [0.9, -1.9], rtol=1e-7)
    np.testing.assert_allclose(opt.variables["v"], v, rtol=1e-14)


def test_schedule_free_beta_1_cancels_as_in_keras():
    a = shendu_trajectory(ScheduleFreeAdamW(0.05, beta_1=0.9), steps=5)
    b = shendu_trajectory(ScheduleFreeAdamW(0.05, beta_1=0.5), steps=5)
    np.testing.assert_array_equal(a, b)


def test_schedule_free_warmup_scales_the_first_steps():
    w = Variable(np.array([0.0]), "w")
    opt = ScheduleFreeAdamW(learning_rate=0.4, warmup_steps=4)
    opt.apply_gradients([(np.array([1.0]), w)])
    np.testing.assert_allclose(w.data, [-0.1], rtol=1e-7)  # η · 1/4 · sign(g)


def test_which_variables_take_adamw():
    opt = Muon(exclude_layers=["^head/"])
    cases = [((4, 3), "dense/kernel", False), ((3,), "dense/bias", True),
             ((3, 3, 2, 4), "conv/kernel", True), ((10, 4), "Embedding/embeddings", True),
             ((4, 2), "head/kernel", True), ((4, 2), "my_head/kernel", False)]
    for shape, path, adamw in cases:
        assert opt.uses_adamw(Variable(np.zeros(shape), path)) is adamw, path
    assert not Muon(exclude_embeddings=False).uses_adamw(Variable(np.zeros((10, 4)), "embedding"))


def test_muon_exclude_from_weight_decay():
    def run(opt):
        w = Variable(np.ones((2, 2)), "kernel")
        opt.apply_gradients([(np.zeros((2, 2)), w)])
        return w.data

    np.testing.assert_allclose(run(Muon(learning_rate=0.5, weight_decay=0.1)), 0.95)
    opt = Muon(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["ker"])
    np.testing.assert_allclose(run(opt), 1.0)


# -- arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: Muon(adam_beta_1=1.0), "Muon: adam_beta_1 must be"),
    (lambda: Muon(adam_weight_decay=-1.0), "Muon: adam_weight_decay must be"),
    (lambda: Muon(epsilon=float("nan")), "Muon: epsilon must be"),
    (lambda: Muon(exclude_layers="dense"), "Muon: exclude_layers must be"),
    (lambda: Muon(exclude_layers=["("]), "not a regular expression"),
    (lambda: Muon(exclude_embeddings=1), "Muon: exclude_embeddings must be"),
    (lambda: Muon(muon_a=float("inf")), "Muon: muon_a must be"),
    (lambda: Muon(momentum=1.0), "Muon: momentum must be"),
    (lambda: Muon(ns_steps=2.5), "Muon: ns_steps must be"),
    (lambda: Muon(nesterov="yes"), "Muon: nesterov must be"),
    (lambda: Muon(rms_rate=0.0), "Muon: rms_rate must be"),
    (lambda: Muon(lerning_rate=0.1), "unknown argument"),
    (lambda: ScheduleFreeAdamW(beta_2=1.5), "ScheduleFreeAdamW: beta_2 must be"),
    (lambda: ScheduleFreeAdamW(epsilon=-1.0), "ScheduleFreeAdamW: epsilon must be"),
    (lambda: ScheduleFreeAdamW(warmup_steps=-1), "ScheduleFreeAdamW: warmup_steps must be"),
    (lambda: ScheduleFreeAdamW(weight_decay=-0.1), "weight_decay must be"),
])
def test_bad_arguments(make, words):
    checks.check_bad_argument(make, words)


def test_signatures_and_defaults():
    assert str(inspect.signature(Muon)) == (
        "(learning_rate: 'float | LearningRateSchedule' = 0.001, adam_beta_1: 'float' = 0.9, "
        "adam_beta_2: 'float' = 0.999, adam_weight_decay: 'float | None' = 0.004, "
        "epsilon: 'float' = 1e-07, weight_decay: 'float | None' = 0.004, "
        "exclude_layers: 'list[str] | None' = None, exclude_embeddings: 'bool' = True, "
        "muon_a: 'float' = 3.4445, muon_b: 'float' = -4.775, muon_c: 'float' = 2.0315, "
        "adam_lr_ratio: 'float' = 1, momentum: 'float' = 0.95, ns_steps: 'int' = 5, "
        "nesterov: 'bool' = True, rms_rate: 'float | None' = 0.2, **kwargs) -> 'None'")
    assert str(inspect.signature(ScheduleFreeAdamW)) == (
        "(learning_rate: 'float | LearningRateSchedule' = 0.0025, beta_1: 'float' = 0.9, "
        "beta_2: 'float' = 0.999, epsilon: 'float' = 1e-08, warmup_steps: 'int' = 0, "
        "**kwargs) -> 'None'")
    assert Muon().name == "muon" and ScheduleFreeAdamW().name == "schedule_free_adam_w"
    assert ScheduleFreeAdamW().weight_decay is None and Muon().exclude_layers == []


# -- config, names, training, saving --------------------------------------------------------------
# the config keys of Keras 3.15.1's Muon().get_config() and ScheduleFreeAdamW().get_config()
BASE_KEYS = ["clipnorm", "clipvalue", "ema_momentum", "ema_overwrite_frequency",
             "global_clipnorm", "gradient_accumulation_steps", "learning_rate",
             "loss_scale_factor", "name", "use_ema", "weight_decay"]
KEYS = {Muon: ["adam_beta_1", "adam_beta_2", "adam_lr_ratio", "adam_weight_decay", "epsilon",
               "exclude_embeddings", "exclude_layers", "momentum", "muon_a", "muon_b", "muon_c",
               "nesterov", "ns_steps", "rms_rate"],
        ScheduleFreeAdamW: ["beta_1", "beta_2", "epsilon", "warmup_steps"]}


@pytest.mark.parametrize("case", sorted(MAKE))
def test_config_round_trip(case):
    opt = MAKE[case]()
    config = opt.get_config()
    assert sorted(config) == sorted(BASE_KEYS + KEYS[type(opt)])
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == config
    checks.check_same_trajectory(again, MAKE[case]())


def test_names_as_keras_has_them():
    assert type(optimizers.get("muon")) is Muon and type(optimizers.get("Muon")) is Muon
    assert type(optimizers.get("ScheduleFreeAdamW")) is ScheduleFreeAdamW
    assert type(optimizers.get("schedulefreeadamw")) is ScheduleFreeAdamW
    assert {"muon", "schedulefreeadamw"} <= set(optimizers.ALL)


@pytest.mark.parametrize("optimizer", [
    "muon", "schedulefreeadamw", lambda: Muon(learning_rate=0.02),
    lambda: ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=3),
])
def test_trains_a_model(optimizer):
    checks.check_trains_a_model(optimizer)


def test_schedule_free_momentum_starts_at_the_weights():
    model = checks.small_model(ScheduleFreeAdamW(0.05))
    start = np.concatenate([w.ravel() for w in model.get_weights()])
    x, y = checks.small_data()
    model.train_on_batch(x[:1] * 0, y[:1] * 0)  # zero gradients: nothing moves
    np.testing.assert_allclose(model.optimizer.z, start, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: Muon(learning_rate=0.02),
    lambda: ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=6, weight_decay=0.01),
])
def test_save_and_load_resume_the_same_trajectory(make, tmp_path):
    checks.check_save_and_load_resume(make, tmp_path)
