"""Each mechanism on tiny hand-built arrays, against numbers worked out by hand."""

import numpy as np
import pytest

from governance_sim import Params
from governance_sim.dynamics import contribution as contrib
from governance_sim.dynamics import leadership, motivation, participation, service, trust
from governance_sim.dynamics.groups import neighbour_mean, unit_mean, unit_sum
from governance_sim.dynamics.schedule import arena_voice
from governance_sim.logics import influence_of_rung, profile
from governance_sim.state import network_matrix

P = Params()


def test_group_kernels():
    unit = np.array([0, 0, 1, 2, 2, 2])
    values = np.array([1.0, 3.0, 5.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(unit_sum(values, unit, 3), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(unit_mean(values, unit, np.array([2, 1, 3])), [2.0, 5.0, 2.0])
    neighbours = np.array([[1, 2], [0, 0], [3, 4], [2, 2], [0, 5], [4, 3]], dtype=np.int32)
    network = network_matrix(neighbours)
    np.testing.assert_array_equal(neighbour_mean(values, network), [4.0, 1.0, 1.5, 5.0,
                                                                    2.0, 1.5])
    np.testing.assert_array_equal(neighbour_mean(values > 2, network), [1, 0, 0, 1, 0.5, 0])


def test_targeted_facilitation_helps_low_resources_most():
    resources = np.array([0.2, 0.6, 1.0])
    plain = participation.targeting_weight(resources, participation.targeting_slope(0.0, 0.5))
    targeted = participation.targeting_weight(resources, participation.targeting_slope(1.0, 0.5))
    np.testing.assert_allclose(plain, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(targeted, [1.5, 1.0, 0.5])  # 1 + strength, 1, 1 - strength
    np.testing.assert_allclose(participation.facilitation_relief(np.full(3, 0.8), targeted),
                               [1.0, 0.8, 0.4])  # capped at 1
    np.testing.assert_allclose(participation.reach(targeted, profile("co_creation")),
                               profile("co_creation").arena_reach * targeted)


def test_service_motive_flips_with_framing():
    value = np.array([0.2, 0.8])
    np.testing.assert_allclose(participation.service_motive(value, 0.0), [0.8, 0.2])
    np.testing.assert_allclose(participation.service_motive(value, 1.0), [0.2, 0.8])


def test_acceptance_rises_with_trust_and_participation_is_reach_times_acceptance():
    n = 3
    trust_levels = np.array([0.1, 0.5, 0.9])
    log_odds = participation.acceptance_log_odds(
        trust_levels, np.full(n, 0.4), np.full(n, 0.3), np.zeros(n), np.full(n, 0.5),
        np.zeros(n), np.full(n, 0.6), P)
    accept = participation.acceptance(log_odds)
    assert np.all(np.diff(accept) > 0)
    # at the threshold with everything else zero and full relief: the intercept alone
    lo = participation.acceptance_log_odds(
        np.array([P.trust_threshold]), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
        np.ones(1), np.ones(1), P)
    assert lo[0] == pytest.approx(P.participation_intercept)
    # time cost: lowest resources pay it in full, the top a fifth, without relief
    cost = participation.acceptance_log_odds(
        np.full(2, P.trust_threshold), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
        np.zeros(2), np.array([0.2, 1.0]), P)
    np.testing.assert_allclose(P.participation_intercept - cost,
                               [P.participation_time_cost, 0.2 * P.participation_time_cost])
    # newcomers: reach x acceptance; last month's participants: the persistence
    prob = participation.participation_probability(
        np.array([0.1, 0.1]), np.array([0.5, 0.5]), np.array([False, True]), 0.7)
    np.testing.assert_allclose(prob, [0.05, 0.7])
    assert list(participation.decide(np.array([0.3, 0.3]), np.array([0.2, 0.4]))) == [True,
                                                                                     False]
    # invited: below the reach and not a participant last month
    invited = participation.invited(np.array([0.5, 0.5, 0.5]), np.array([False, False, True]),
                                    np.array([0.4, 0.6, 0.1]))
    assert list(invited) == [True, False, False]


def test_conditional_cooperation_by_type():
    belief = np.full(4, 0.4)
    types = np.array([contrib.CONDITIONAL, contrib.FREE_RIDER, contrib.HUMP,
                      contrib.UNCONDITIONAL], dtype=np.int8)
    given = contrib.contributions(belief, types, np.ones(4, bool), 0.8, 0.0, 0.6)
    np.testing.assert_allclose(given, [0.32, 0.0, 0.64, 0.6])
    # those not taking part give nothing
    none = contrib.contributions(belief, types, np.zeros(4, bool), 0.8, 0.0, 0.6)
    np.testing.assert_array_equal(none, 0.0)
    # dialogue pulls everyone toward full contribution, free riders too
    talk = contrib.contributions(belief, types, np.ones(4, bool), 0.8, 0.5, 0.6)
    np.testing.assert_allclose(talk, 0.5 * np.array([0.32, 0.0, 0.64, 0.6]) + 0.5)


def test_learned_shift_adds_to_the_contribution_and_is_clipped():
    belief = np.full(3, 0.4)
    types = np.full(3, contrib.CONDITIONAL, dtype=np.int8)
    given = contrib.contributions(belief, types, np.ones(3, bool), 0.8, 0.0, 0.6,
                                  np.array([0.1, -0.5, 0.9]))
    np.testing.assert_allclose(given, [0.42, 0.0, 1.0])


def test_punishment_learning_up_for_shortfall_down_for_excess_when_norms_are_weak():
    params = Params()
    peers = 0.5 * (params.sanction_group_size - 1)
    given = np.array([0.1, 0.5, 0.9])
    observed = np.full(3, 0.5)
    strong = contrib.punishment_learning(given, observed, np.full(3, 0.8), np.full(3, 1.0),
                                         0.5, params)
    # a strong norm: only those who gave less are punished, and they raise their giving
    expected_up = (params.punishment_response * peers * params.punishment_per_deviation
                   * 0.8 * 0.4)
    np.testing.assert_allclose(strong, [expected_up, 0.0, 0.0])
    weak = contrib.punishment_learning(given, observed, np.full(3, 0.8), np.zeros(3), 0.5,
                                       params)
    # a weak norm: those who gave more are punished antisocially and lower their giving
    expected_down = params.punishment_response * peers * params.antisocial_punishment * 0.4
    np.testing.assert_allclose(weak, [expected_up, 0.0, -expected_down])
    # no sanctions, or nothing learned from them: no change
    assert not contrib.punishment_learning(given, observed, np.full(3, 0.8), np.zeros(3), 0.0,
                                           params).any()
    assert not contrib.punishment_learning(
        given, observed, np.full(3, 0.8), np.zeros(3), 0.5,
        params.model_copy(update={"punishment_response": 0.0})).any()


def test_beliefs_move_toward_what_participants_saw():
    belief = np.array([0.5, 0.5, 0.5])
    observed = np.array([0.1, 0.1, np.nan])
    new = contrib.update_beliefs(belief, np.array([True, False, True]), observed, 0.5)
    np.testing.assert_allclose(new, [0.3, 0.5, 0.5])


def test_imperfect_conditional_cooperation_decays_but_not_to_zero():
    # a closed group of conditional cooperators plus one unconditional contributor
    types = np.array([0, 0, 0, 3], dtype=np.int8)
    belief = np.full(4, 0.6)
    for _ in range(60):
        given = contrib.contributions(belief, types, np.ones(4, bool), 0.8, 0.0, 0.5)
        belief = contrib.update_beliefs(belief, np.ones(4, bool), np.full(4, given.mean()), 0.5)
    assert 0.05 < given.mean() < 0.6 * 0.8 * 0.75


def test_multitask_targets_raise_measured_and_lower_relational_output():
    effort = np.array([0.7])
    soft = profile("co_creation").with_levers({"performance_incentives": 0.0})
    hard = profile("co_creation").with_levers({"performance_incentives": 1.0})
    m0, r0, _ = service.unit_outputs(effort, np.zeros(1), np.zeros(1), np.zeros(1), 1.0, soft, P)
    m1, r1, _ = service.unit_outputs(effort, np.zeros(1), np.zeros(1), np.zeros(1), 1.0, hard, P)
    assert m1[0] > m0[0] and r1[0] < r0[0]


def test_coproduction_complements_and_startup_burden_costs_capacity():
    levers = profile("co_creation")
    args = (np.array([0.7]), np.array([0.5]))
    _, _, q0 = service.unit_outputs(*args, np.zeros(1), np.zeros(1), 1.0, levers, P)
    _, _, q1 = service.unit_outputs(*args, np.array([0.3]), np.zeros(1), 1.0, levers, P)
    _, _, q2 = service.unit_outputs(*args, np.zeros(1), np.array([0.2]), 1.0, levers, P)
    assert q1[0] == pytest.approx(q0[0] * (1 + P.coproduction_return * 0.3))
    assert q2[0] == pytest.approx(q0[0] * 0.8)
    burden = service.startup_burden(np.array([1.0, 1.0]), np.array([0.0, 1.0]), P)
    np.testing.assert_allclose(burden, [P.startup_cost, 0.0])


def test_choice_favours_the_resourceful_unless_treatment_is_impartial():
    resources = np.array([0.2, 1.0])
    quality = np.full(2, 0.6)
    market = profile("npm")
    rules = profile("bureaucracy").with_levers({"impartiality": 1.0})
    v_market = service.citizen_value(quality, resources, np.zeros(2), market, P)
    v_rules = service.citizen_value(quality, resources, np.zeros(2), rules, P)
    assert v_market[1] > v_market[0]
    assert v_rules[0] == v_rules[1]
    voiced = service.citizen_value(quality, resources, np.array([0.5, 0.0]), rules, P)
    assert voiced[0] > voiced[1]


def test_a_better_fit_gets_more_from_the_same_service():
    """The fit multiplies the quality a citizen receives: fit 2 at quality q is quality 2q."""
    resources = np.full(3, 0.6)
    rules = profile("bureaucracy")
    quality = np.full(3, 0.3)
    fitted = service.citizen_value(quality, resources, np.zeros(3), rules, P,
                                   np.array([0.8, 1.0, 2.0], dtype=np.float32))
    assert fitted[0] < fitted[1] < fitted[2]
    np.testing.assert_allclose(
        fitted[2], service.citizen_value(np.array([0.6]), resources[:1], np.zeros(1), rules,
                                         P)[0], rtol=1e-12)
    np.testing.assert_array_equal(
        fitted[1], service.citizen_value(quality, resources, np.zeros(3), rules, P)[1])


def test_service_fit_is_lasting_spread_around_one_rising_with_resources():
    from governance_sim.rng import make_streams
    from governance_sim.state import build_population

    params = P.replace(n_citizens=20_000, n_units=20)
    cit = build_population(params, make_streams(5)).citizens
    assert cit.service_fit.dtype == np.float32 and (cit.service_fit > 0).all()
    by_quintile = [float(cit.service_fit[cit.quintile == q].mean()) for q in range(1, 6)]
    assert by_quintile == sorted(by_quintile)
    assert by_quintile[4] - by_quintile[0] == pytest.approx(
        0.8 * params.service_fit_resource_gradient, abs=0.02)
    middle = cit.service_fit[cit.quintile == 3]  # resources at their mean: fit around 1
    assert float(middle.mean()) == pytest.approx(1.0, abs=0.02)
    assert float(np.log(middle).std()) == pytest.approx(params.service_fit_sd, abs=0.02)
    flat = build_population(params.replace(service_fit_sd=0.0,
                                           service_fit_resource_gradient=0.0),
                            make_streams(5)).citizens
    assert (flat.service_fit == 1.0).all()


def test_expectations_follow_own_experience_and_what_the_unit_gives_others():
    experienced = np.array([0.2, 0.8])
    unit_value = np.array([0.5, 0.5])
    assert trust.expectation_target(experienced, unit_value, P.replace(
        expectation_own_weight=1.0)).tolist() == [0.2, 0.8]
    assert trust.expectation_target(experienced, unit_value, P.replace(
        expectation_own_weight=0.0)).tolist() == [0.5, 0.5]
    mixed = trust.expectation_target(experienced, unit_value, P.replace(
        expectation_own_weight=0.25))
    np.testing.assert_allclose(mixed, [0.425, 0.575])


@pytest.mark.parametrize("start", [0.1, 0.2, 0.29, 0.5, 0.8, 0.95])
def test_trust_is_lost_faster_than_gained_at_every_level(start):
    # the log-odds form: a loss weighs loss_aversion times an equal gain at every level
    # (the former room-to-move form reversed below T = 1 / (1 + loss_aversion))
    level = np.array([start])
    up = trust.asymmetric_update(level, np.array([0.1]), 0.5, 2.5)
    down = trust.asymmetric_update(level, np.array([-0.1]), 0.5, 2.5)
    assert (level - down)[0] == pytest.approx(2.5 * (up - level)[0])
    assert (up - level)[0] == pytest.approx(0.5 * start * (1 - start) * 0.1)
    both = trust.asymmetric_update(trust.asymmetric_update(level, np.array([0.1]), 0.5, 2.5),
                                   np.array([-0.1]), 0.5, 2.5)
    assert both[0] < level[0]  # equal good and bad news: a net decline


def test_tokenism_lowers_trust_and_real_voice_raises_it():
    fair = trust.fair_treatment(P.fairness_reference, P)
    assert fair == 0.0
    assert trust.fair_treatment(0.9, P) == pytest.approx(P.fairness_weight * 0.3)
    signal = trust.procedural_signal(np.array([True, True, False]), np.array([0.0, 0.6, 0.0]),
                                     fair, 0.15, 0.0, 0.0)
    np.testing.assert_allclose(signal, [-0.15, 0.45, 0.0])
    shocked = trust.procedural_signal(np.array([False]), np.zeros(1), 0.0, 0.15, 0.0, 0.2)
    assert shocked[0] == pytest.approx(-0.2)


def test_trust_update_is_pulled_by_neighbours():
    params = P.replace(trust_social_influence=0.5, trust_learning_rate=0.0, trust_anchoring=0.0)
    new = trust.update_trust(np.array([0.2]), np.array([0.2]), np.array([0.8]), np.zeros(1),
                             np.zeros(1), params)
    assert new[0] == pytest.approx(0.5)


def test_trust_is_anchored_to_its_disposition():
    params = P.replace(trust_social_influence=0.0, trust_learning_rate=0.0, trust_anchoring=0.1)
    new = trust.update_trust(np.array([0.2, 0.8]), np.array([0.6, 0.6]), np.zeros(2),
                             np.zeros(2), np.zeros(2), params)
    np.testing.assert_allclose(new, [0.24, 0.78])  # a tenth of the way back
    # dispositions move slowly toward trust, falls weighted by loss aversion
    params = P.replace(disposition_learning_rate=0.1, loss_aversion=2.0)
    moved = trust.update_disposition(np.array([0.5, 0.5]), np.array([0.7, 0.3]), params)
    np.testing.assert_allclose(moved, [0.52, 0.46])


def test_social_trust_follows_cooperation_in_the_arena():
    g = np.array([0.5, 0.5, 0.5])
    new = trust.update_social_trust(g, np.array([0, 1]), np.array([0.9, 0.0]),
                                    P.replace(social_capital_decay=0))
    assert new[0] > 0.5 > new[1] and new[2] == 0.5
    np.testing.assert_allclose(new[:2], [0.5 + P.social_capital_gain * 0.6 * 0.5,
                                         0.5 - P.social_capital_loss * 0.3 * 0.5])
    relaxing = trust.update_social_trust(np.array([0.2]), np.array([], dtype=int), np.array([]),
                                         P.replace(social_capital_decay=0.5))
    assert relaxing[0] == pytest.approx(0.2 + 0.5 * (P.initial_social_trust - 0.2))


def test_efficacy_follows_felt_influence():
    params = P.replace(efficacy_rate=0.5)
    e0 = params.initial_efficacy
    new = trust.update_efficacy(np.full(3, e0), np.array([1, 2]), np.array([1.0, 0.0]), 0.0,
                                params)
    assert new[0] == pytest.approx(e0)  # not taking part, at the anchor: unchanged
    heard = 1.0 - params.tokenism_threshold  # heard: up, by the room left
    assert new[1] == pytest.approx(e0 + 0.5 * heard * (1 - e0))
    # tokenism (influence below the threshold) lowers efficacy, as it lowers trust
    assert new[2] == pytest.approx(e0 - 0.5 * params.tokenism_threshold * e0)


def test_efficacy_returns_to_an_anchor_that_rises_with_resources():
    params = P.replace(efficacy_reversion=1.0, efficacy_rate=0.5)
    resources = np.array([0.2, 1.0])
    anchor = trust.efficacy_anchor(resources, params.initial_trust,
                                   params.initial_civic_motivation, params)
    assert anchor[1] - anchor[0] == pytest.approx(0.8 * params.efficacy_resource_gradient)
    new = trust.update_efficacy(np.full(2, 0.5), np.array([], dtype=int), np.array([]), 0.0,
                                params, anchor)
    np.testing.assert_allclose(new, 0.5 + 0.5 * (anchor - 0.5))


def test_efficacy_anchor_rises_with_the_trust_disposition_and_civic_motivation():
    """Lasting differences the dynamics keep: a citizen who trusts the institutions, or who
    cares about public affairs, returns to a higher efficacy (Craig, Niemi & Silver 1990;
    Verba, Schlozman & Brady 1995)."""
    params = P.replace(efficacy_trust_gradient=0.3, efficacy_motivation_gradient=0.4)
    at_mean = trust.efficacy_anchor(0.6, params.initial_trust, params.initial_civic_motivation,
                                    params)
    assert at_mean == pytest.approx(params.initial_efficacy)
    trusting = trust.efficacy_anchor(0.6, params.initial_trust + 0.2,
                                     params.initial_civic_motivation, params)
    assert trusting - at_mean == pytest.approx(0.2 * 0.3)
    engaged = trust.efficacy_anchor(0.6, params.initial_trust,
                                    params.initial_civic_motivation + 0.1, params)
    assert engaged - at_mean == pytest.approx(0.1 * 0.4)
    assert trust.efficacy_anchor(0.6, 1.0, 1.0, params.replace(initial_efficacy=0.9)) == 1.0


def test_efficacy_starts_around_its_anchor():
    """The start is where efficacy returns to: without spread, initial efficacy is the
    anchor of each citizen's resources, trust disposition and civic motivation."""
    from governance_sim.rng import make_streams
    from governance_sim.state import RESOURCES_PER_QUINTILE, build_population

    params = P.replace(n_citizens=500, n_units=5, initial_efficacy_sd=0.0)
    cit = build_population(params, make_streams(3)).citizens
    resources = cit.quintile * RESOURCES_PER_QUINTILE
    np.testing.assert_allclose(
        cit.efficacy, trust.efficacy_anchor(resources, cit.trust_disposition,
                                            cit.civic_motivation, params), atol=1e-12)


def test_felt_say_raises_the_procedural_signal():
    efficacy = np.array([P.initial_efficacy - 0.2, P.initial_efficacy, P.initial_efficacy + 0.2])
    say = trust.felt_say(efficacy, P)
    np.testing.assert_allclose(say, [-0.2 * P.felt_say_weight, 0.0, 0.2 * P.felt_say_weight])
    signal = trust.procedural_signal(np.zeros(3, dtype=bool), np.zeros(3), 0.0, 0.15, 0.0, 0.0,
                                     1.0, say)
    np.testing.assert_allclose(signal, say)


def test_social_trust_level_rises_with_institutional_trust_and_resources():
    level = trust.citizen_social_level(0.6, np.array([0.6, 0.6, 1.0]),
                                       np.array([P.initial_trust, P.initial_trust + 0.3,
                                                 P.initial_trust]), P)
    np.testing.assert_allclose(level, [0.6, 0.6 + 0.3 * P.institutional_social_link,
                                       0.6 + 0.4 * P.social_trust_resource_gradient])


def test_arena_voice_needs_cooperation_and_critical_mass():
    influence = influence_of_rung(6.5, 0.0)
    assert influence == pytest.approx(0.5)
    full = arena_voice(influence, np.array([1.0, 1.0, 1.0]), np.array([0.8, 0.1, np.nan]),
                       np.array([0.5, 0.5, 0.0]), P)
    np.testing.assert_allclose(full, [0.5, 0.5 * 0.1 / P.arena_success_level, 0.0])
    sparse_turnout = arena_voice(influence, np.ones(1), np.array([0.8]), np.array([0.05]), P)
    assert sparse_turnout[0] == pytest.approx(0.5 * 0.05 / P.critical_mass)


def test_control_crowds_out_and_recovery_is_held_back_by_the_scar():
    n = 1
    params = P.replace(motivation_adjustment_rate=0.5)
    args = dict(skill=np.zeros(n), facilitation=np.zeros(n), switched=False, params=params,
                disposition=np.full(n, 0.7))
    npm = profile("npm")
    out = motivation.update_professionals(np.full(n, 0.7), np.full(n, 0.3), np.zeros(n),
                                          np.zeros(n), perceived_support=np.zeros(n),
                                          control=np.full(n, 0.8), levers=npm, **args)
    assert out[0][0] < 0.7 and out[2][0] > 0.0  # motivation falls, a scar forms
    # felt control by hand: (0.8 x 0.7 + 0.3 x 0.9) x (1 - 0) = 0.83; target 0.7 - 0.06 x 0.83
    # + 0.05 x 0.3 x 0.2; half the way there
    target = 0.7 - params.crowding_out_effect * 0.83 + params.crowding_in_effect * 0.06
    assert out[0][0] == pytest.approx(0.7 + 0.5 * (target - 0.7))
    # control seen as fully supportive is not felt: no crowding out, no scar
    seen = motivation.update_professionals(np.full(n, 0.7), np.full(n, 0.3), np.zeros(n),
                                           np.zeros(n), perceived_support=np.ones(n),
                                           control=np.full(n, 0.8), levers=npm, **args)
    assert seen[0][0] >= 0.7 and seen[2][0] == 0.0
    cc = profile("co_creation")
    healed = motivation.update_professionals(np.full(n, 0.5), np.full(n, 0.8), np.full(n, 0.1),
                                             np.zeros(n), perceived_support=np.zeros(n),
                                             control=np.full(n, 0.3), levers=cc, **args)
    free = motivation.update_professionals(np.full(n, 0.5), np.full(n, 0.8), np.zeros(n),
                                           np.zeros(n), perceived_support=np.zeros(n),
                                           control=np.full(n, 0.3), levers=cc, **args)
    assert 0.5 < healed[0][0] < free[0][0]
    switched = motivation.update_professionals(
        np.full(n, 0.7), np.full(n, 0.5), np.zeros(n), np.zeros(n), np.zeros(n),
        np.full(n, 0.7), np.full(n, 0.5), np.full(n, 0.5), np.zeros(n), True, cc, P)
    assert switched[3][0] == pytest.approx(P.reform_burnout * (1 - P.burnout_decay))


def test_impatient_leaders_revert_during_a_dip():
    reference, dips, calm, reverted = leadership.track_dips(
        np.array([0.4, 0.4, 0.6]), np.array([0.5, 0.5, 0.5]), np.array([3, 0, 5], np.int32),
        np.array([0, 7, 0], np.int32), np.zeros(3, bool), np.array([2.0, 2.0, 2.0]), 0.0, 10.0,
        P.dip_tolerance)
    np.testing.assert_array_equal(dips, [4, 1, 0])
    np.testing.assert_array_equal(calm, [0, 0, 1])
    np.testing.assert_array_equal(reverted, [True, False, False])
    # a reverted leader whose results held up for longer than its patience returns
    _, _, calm, back = leadership.track_dips(
        np.array([0.6, 0.6]), np.array([0.5, 0.5]), np.zeros(2, np.int32),
        np.array([2, 1], np.int32), np.array([True, True]), np.array([2.0, 2.0]), 0.0, 10.0,
        P.dip_tolerance)
    np.testing.assert_array_equal(calm, [3, 2])
    np.testing.assert_array_equal(back, [False, True])
    np.testing.assert_allclose(reference, [0.49, 0.49, 0.51])
    # council pressure shortens patience to nothing
    _, _, _, pressed = leadership.track_dips(np.array([0.4]), np.array([0.5]),
                                          np.array([0], np.int32), np.zeros(1, np.int32),
                                          np.zeros(1, bool),
                                          np.array([50.0]), 1.0, 10.0, P.dip_tolerance)
    assert pressed[0]
    control, facilitation, _ = leadership.update_leader_style(
        np.array([0.3]), np.array([0.8]), np.zeros(1), np.array([True]), profile("co_creation"),
        P)
    assert control[0] > 0.3 and facilitation[0] < 0.8


def test_short_horizons_demand_control_sooner():
    levers = profile("npm")  # horizon 24 steps
    _, dips, demanding, pressure = leadership.council_demands(
        0.40, 0.50, 10, np.array([0.5, 1.0, 2.0]), np.array([0.5, 0.5, 0.5]), levers, 24.0,
        P.dip_tolerance)
    assert dips == 11
    np.testing.assert_array_equal(demanding, [True, False, False])  # 11 > 6, 11 < 12, 24
    assert pressure == pytest.approx(1 / 3)



def test_influence_of_rung_follows_arnsteins_ladder():
    # non-participation, tokenism (heard, not heeded by default), citizen power to control
    assert influence_of_rung(1.0, 0.0) == 0.0
    assert influence_of_rung(4.0, 0.0) == 0.0
    assert influence_of_rung(8.0, 0.0) == 1.0
    # with some influence on the tokenism rungs: reached at rung 3, held to 5, then linear
    assert influence_of_rung(2.0, 0.2) == 0.0
    assert influence_of_rung(3.0, 0.2) == pytest.approx(0.2)
    assert influence_of_rung(5.0, 0.2) == pytest.approx(0.2)
    assert influence_of_rung(6.5, 0.2) == pytest.approx(0.6)
    assert influence_of_rung(8.0, 0.2) == pytest.approx(1.0)


def test_learned_sanction_shifts_fade_without_punishment():
    from governance_sim.lab import LabDesign, play

    params = Params()
    kept = play(params, LabDesign(sanctions=True, civic_norm=0.8), n_groups=200, seed=1)
    forgetful = play(params.replace(sanction_learning_decay=1.0),
                     LabDesign(sanctions=True, civic_norm=0.8), n_groups=200, seed=1)
    late = slice(5, 9)
    assert (kept.by_period["contribution"].iloc[late].mean()
            > forgetful.by_period["contribution"].iloc[late].mean() + 0.05)
