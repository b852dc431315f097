/*
 * Fused per-citizen kernels of one step (phases 3-6 of dynamics/schedule.py).
 *
 * They compute what the numpy path computes in many whole-array passes, in a few passes,
 * with the same rules, the same order of operations and the same float64 arithmetic (built
 * with -ffp-contract=off, no fast-math; sums are taken in citizen order, as numpy's bincount
 * takes them), so that both paths and the per-agent reference agree to rounding. The numpy
 * functions named in each comment are the documented, tested definitions of the rules; this
 * file only fuses them. The two exponentials run in numpy between the calls.
 *
 * Layout: arrays are C-contiguous; citizens are indexed 0..n-1 and stored unit by unit
 * (state.build_population), so unit u's citizens are unit_starts[u] .. unit_starts[u+1]-1.
 * Looping unit by unit keeps the unit's values in registers and leaves inner loops without
 * branches or indirect reads, which the compiler turns into vector instructions.
 * neighbours: int32[n, degree]; flags (participating, taking part): uint8 (numpy bool);
 * panel: sorted indices of the members of a citizens' panel (none: n_panel = 0).
 * Arrays marked restrict must be distinct (the double-buffered trust and participation are).
 * No allocation, no global state, no randomness: the uniforms come pre-drawn from numpy.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Citizens ahead whose ties' values are prefetched in the gathers: enough to cover a trip to
 * main memory, little enough to stay in cache. Below PREFETCH_FROM citizens (trust in 512 KB)
 * the values stay in cache between steps and prefetching only costs. */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 32
#endif
#ifndef PREFETCH_FROM
#define PREFETCH_FROM 65536
#endif

/* One build for every x86-64 machine: the hot loops are compiled for AVX-512, AVX2 and the
 * baseline, and the loader picks the clone the CPU runs (GCC's function multi-versioning).
 * The clones give the same numbers: no fused multiply-adds (-ffp-contract=off), sums in
 * order. Other compilers and machines get one portable version (as does a build with
 * -DGOVERNANCE_SIM_NO_CLONES, which hatch_build.py tries if the first build fails). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(GOVERNANCE_SIM_NO_CLONES)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

static inline double clip01(double x) { return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x); }
static inline double minimum(double a, double b) { return a < b ? a : b; }

/* a if cond else b, exactly, without a branch: taking part and the sign of a signal are
 * random, and a mispredicted branch costs more than computing both sides. */
static inline double choose(int cond, double a, double b) {
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const uint64_t mask = (uint64_t)0 - (uint64_t)(cond != 0);
    const uint64_t bits = (ua & mask) | (ub & ~mask);
    double out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

/* ------------------------------------------------------------------------------------------
 * Phase 3, first half: the network and the log-odds of taking part.
 */

/* One pass over the network: how many of each citizen's ties took part last step (a count:
 * degree <= 50 fits in a byte) and the mean of their trust (groups.neighbour_mean). Inlined,
 * so that a constant degree gives an unrolled copy. */
static inline __attribute__((always_inline)) void gather_ties(
        int64_t n, int64_t degree, int prefetch, const int32_t *neighbours,
        const uint8_t *participating, const double *trust, uint8_t *contagion,
        double *neighbours_trust) {
    for (int64_t i = 0; i < n; i++) {
        const int32_t *row = neighbours + i * degree;
        if (prefetch && i + PREFETCH_AHEAD < n) {  /* ask early for later citizens' ties */
            const int32_t *ahead = row + PREFETCH_AHEAD * degree;
            for (int64_t k = 0; k < degree; k++) __builtin_prefetch(trust + ahead[k]);
        }
        uint8_t count = 0;
        double sum = 0.0;
        for (int64_t k = 0; k < degree; k++) {
            count += participating[row[k]];
            sum += trust[row[k]];
        }
        contagion[i] = count;
        neighbours_trust[i] = sum / (double)degree;
    }
}

/* participation.facilitation_reach, service_motive and the log-odds of
 * participation_probability: writes minus the log-odds of taking part to neg_log_odds, and
 * the neighbours' mean trust (last step's, for phase 6) to neighbours_trust. The caller
 * exponentiates neg_log_odds in place and calls contribution_step.
 * contagion: uint8[n] scratch. coef, in order: intercept, trust weight, trust threshold,
 * efficacy weight, motivation weight, contagion weight, need weight, time cost, framing,
 * targeting. */
HOT void participation_log_odds(int64_t n, int64_t degree, const int32_t *neighbours,
                            const uint8_t *participating, const double *trust,
                            const double *efficacy, const double *civic_motivation,
                            const double *value, const double *resources, int64_t n_units,
                            const int64_t *unit_starts, const double *unit_facilitation,
                            const double *coef, uint8_t *contagion, double *neighbours_trust,
                            double *neg_log_odds) {
    const double intercept = coef[0], w_trust = coef[1], threshold = coef[2];
    const double w_efficacy = coef[3], w_motivation = coef[4], w_contagion = coef[5];
    const double w_need = coef[6], time_cost = coef[7], framing = coef[8];
    const double targeting = coef[9];
    const int prefetch = n >= PREFETCH_FROM;
    /* the gathers get a loop of their own, to keep many independent reads in flight */
    if (degree == 8)
        gather_ties(n, 8, prefetch, neighbours, participating, trust, contagion,
                    neighbours_trust);
    else
        gather_ties(n, degree, prefetch, neighbours, participating, trust, contagion,
                    neighbours_trust);
    for (int64_t u = 0; u < n_units; u++) {
        const double facilitation = unit_facilitation[u];
        for (int64_t i = unit_starts[u]; i < unit_starts[u + 1]; i++) {
            const double res = resources[i];
            const double weight = (1.0 - targeting) + targeting * 2.5 * (1.0 - res);
            const double reach = clip01(facilitation * weight);
            const double motive = (1.0 - framing) * (1.0 - value[i]) + framing * value[i];
            const double cost = time_cost * (1.0 - reach) * 0.2 / res;
            const double log_odds = intercept + w_trust * (trust[i] - threshold)
                                    + w_efficacy * efficacy[i]
                                    + w_motivation * civic_motivation[i]
                                    + w_contagion * ((double)contagion[i] / (double)degree)
                                    + w_need * motive - cost;
            neg_log_odds[i] = -log_odds;
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Phase 3, second half, and phase 4: who takes part, and what they contribute.
 */

/* contribution.contributions for one citizen (whether or not taking part). */
static inline double contribution(double belief, int8_t type, double trust, double dialogue_weight,
                                  double slope, double unconditional, double sanction,
                                  double norm_threshold) {
    const double conditional = minimum(1.0, slope * belief);
    const double hump = minimum(1.0, slope * 2.0 * minimum(belief, 1.0 - belief));
    const double base = choose(type == 0, conditional,           /* conditional */
                        choose(type == 2, hump,                 /* hump-shaped */
                        choose(type == 3, unconditional, 0.0))); /* unconditional; 1 free rider */
    const double dialogue = dialogue_weight * trust;
    const double committed = (1.0 - dialogue) * base + dialogue;
    return clip01(committed + sanction * (trust - norm_threshold));
}

/* participation_probability and decide (panel members take part regardless), then
 * contributions of those taking part (0 for the others) and per unit the number taking part
 * and the sum given, in citizen order as numpy's bincount adds them.
 * given: on entry exp(-log-odds) of each citizen (from participation_log_odds), on exit the
 * contributions. coef: openness, slope, dialogue effect, unconditional, sanctions x
 * sanction effect, norm threshold. */
HOT void contribution_step(int64_t n_units, const int64_t *unit_starts, const double *uniform,
                       const int64_t *panel, int64_t n_panel, const double *belief,
                       const int8_t *coop_type, const double *trust,
                       const double *unit_facilitation, const double *coef,
                       uint8_t *taking_part, double *given, int64_t *unit_taking_part,
                       double *unit_given) {
    const double openness = coef[0], slope = coef[1], dialogue_effect = coef[2];
    const double unconditional = coef[3], sanction = coef[4], norm_threshold = coef[5];
    int64_t next = 0;
    for (int64_t u = 0; u < n_units; u++) {
        const int64_t first = unit_starts[u], end = unit_starts[u + 1];
        const double dialogue_weight = dialogue_effect * unit_facilitation[u];
        for (int64_t i = first; i < end; i++) {
            const int part = uniform[i] < openness / (1.0 + given[i]);
            const double amount = contribution(belief[i], coop_type[i], trust[i],
                                               dialogue_weight, slope, unconditional, sanction,
                                               norm_threshold);
            taking_part[i] = (uint8_t)part;
            given[i] = choose(part, amount, 0.0);
        }
        for (; next < n_panel && panel[next] < end; next++) {
            const int64_t i = panel[next];
            taking_part[i] = 1;
            given[i] = contribution(belief[i], coop_type[i], trust[i], dialogue_weight, slope,
                                    unconditional, sanction, norm_threshold);
        }
        int64_t count = 0;
        double sum = 0.0;
        for (int64_t i = first; i < end; i++) {
            count += taking_part[i];
            sum += given[i];  /* adding 0.0 leaves a sum of non-negative amounts unchanged */
        }
        unit_taking_part[u] = count;
        unit_given[u] = sum;
    }
}

/* ------------------------------------------------------------------------------------------
 * Phases 5 (the citizens' side) and 6: value received, trust, social trust, efficacy,
 * expectation and beliefs.
 */

/* service.citizen_value, first half: writes the exponent of the value each citizen
 * receives, -VALUE_SCALE x quality x access x boost, to value; the caller exponentiates it in
 * place and calls citizen_step. Participants feel their arena's voice, panel members at
 * least panel_influence. coef: access slope ((1 - impartiality) x choice-exit x choice
 * advantage), voice gain, value scale. */
static inline double value_exponent_of(double resources, double voice, double quality,
                                       double access_slope, double voice_gain,
                                       double value_scale) {
    const double access = 1.0 + access_slope * (resources - 0.6);
    const double boost = 1.0 + voice_gain * voice;
    return -value_scale * quality * access * boost;
}

HOT void value_exponent(int64_t n_units, const int64_t *unit_starts, const uint8_t *taking_part,
                    const double *resources, const double *unit_quality,
                    const double *unit_voice, const int64_t *panel, int64_t n_panel,
                    double panel_influence, const double *coef, double *value) {
    const double access_slope = coef[0], voice_gain = coef[1], value_scale = coef[2];
    int64_t next = 0;
    for (int64_t u = 0; u < n_units; u++) {
        const int64_t first = unit_starts[u], end = unit_starts[u + 1];
        const double quality = unit_quality[u], arena = unit_voice[u];
        for (int64_t i = first; i < end; i++)
            value[i] = value_exponent_of(resources[i], choose(taking_part[i], arena, 0.0),
                                         quality, access_slope, voice_gain, value_scale);
        for (; next < n_panel && panel[next] < end; next++) {
            const int64_t i = panel[next];
            const double voice = choose(panel_influence > arena, panel_influence, arena);
            value[i] = value_exponent_of(resources[i], voice, quality, access_slope,
                                         voice_gain, value_scale);
        }
    }
}

/* The rules of phases 5-6 for one citizen (service.citizen_value, trust.procedural_signal,
 * trust.update_trust, update_social_trust, update_efficacy, contribution.update_beliefs). */
typedef struct {
    double noise, tokenism, fair, commitment, shock, w_outcome, w_process, rate, loss_aversion;
    double social_influence, decay, social_baseline, norm, gain, loss, efficacy_rate;
    double mobilisation, efficacy_baseline, expectation_rate, learning_rate;
} CitizenRules;

static inline void update_citizen(int64_t i, int part, double voice, double observed,
                                  const CitizenRules *restrict r, const double *restrict trust,
                                  const double *restrict uniform, double *restrict new_trust,
                                  double *restrict value, double *restrict expectation,
                                  double *restrict social_trust, double *restrict efficacy,
                                  double *restrict belief) {
    /* value received (value holds exp(exponent)) and experienced */
    const double v = 1.0 - value[i];
    value[i] = v;
    const double experienced = clip01(v + r->noise * (2.0 * uniform[i] - 1.0));
    const double disconfirmation = experienced - expectation[i];
    expectation[i] = expectation[i] + r->expectation_rate * disconfirmation;
    /* trust in institutions; new_trust holds the neighbours' mean trust */
    const double procedural = choose(part, voice - r->tokenism, r->fair) + r->commitment
                              - r->shock;
    const double signal = r->w_outcome * disconfirmation + r->w_process * procedural;
    const double t = trust[i];
    const double gained = signal * (1.0 - t), lost = r->loss_aversion * signal * t;
    const double own = clip01(t + r->rate * choose(signal >= 0.0, gained, lost));
    new_trust[i] = (1.0 - r->social_influence) * own + r->social_influence * new_trust[i];
    /* social trust: participants gain or lose with what their arena achieved */
    const double s = social_trust[i];
    const double gap = observed - r->norm;
    const double cooperation = choose(gap >= 0.0, r->gain * gap * (1.0 - s), r->loss * gap * s);
    const double drifted = s - r->decay * (s - r->social_baseline);
    social_trust[i] = clip01(choose(part, drifted + cooperation, drifted));
    /* efficacy: participants move toward their felt influence */
    const double e = efficacy[i];
    const double moved = e + (r->efficacy_rate * 0.2 * r->mobilisation * (1.0 - e)
                              - r->efficacy_rate * 0.1 * (e - r->efficacy_baseline));
    efficacy[i] = clip01(choose(part, moved + r->efficacy_rate * (voice - e), moved));
    /* beliefs: participants move toward what they saw in their arena */
    const double b = belief[i];
    belief[i] = choose(part, b + r->learning_rate * (observed - b), b);
}

/* Phases 5 (second half) and 6 for every citizen. On entry value holds exp(value exponent)
 * and new_trust the neighbours' mean trust (from participation_log_odds); trust is read
 * only. Value, expectation, social trust, efficacy and belief are updated in place;
 * unit_value, unit_trust and unit_social receive the sums per unit of the new value, trust
 * and social trust, in citizen order (as numpy's bincount takes them).
 * coef, in order: experience noise, tokenism threshold, fair-treatment signal, commitment,
 * shock, outcome weight, process weight, trust learning rate, loss aversion, trust social
 * influence, social capital decay, initial social trust, cooperation norm, social capital
 * gain, social capital loss, efficacy rate, mobilisation, initial efficacy, expectation rate,
 * belief learning rate. */
HOT void citizen_step(int64_t n_units, const int64_t *unit_starts,
                  const uint8_t *restrict taking_part, const double *restrict trust,
                  const double *unit_voice, const double *unit_observed, const int64_t *panel,
                  int64_t n_panel, double panel_influence, const double *restrict uniform,
                  const double *coef, double *restrict new_trust, double *restrict value,
                  double *restrict expectation, double *restrict social_trust,
                  double *restrict efficacy, double *restrict belief,
                  double *restrict unit_value, double *restrict unit_trust,
                  double *restrict unit_social) {
    const CitizenRules r = {
        .noise = coef[0], .tokenism = coef[1], .fair = coef[2], .commitment = coef[3],
        .shock = coef[4], .w_outcome = coef[5], .w_process = coef[6], .rate = coef[7],
        .loss_aversion = coef[8], .social_influence = coef[9], .decay = coef[10],
        .social_baseline = coef[11], .norm = coef[12], .gain = coef[13], .loss = coef[14],
        .efficacy_rate = coef[15], .mobilisation = coef[16], .efficacy_baseline = coef[17],
        .expectation_rate = coef[18], .learning_rate = coef[19],
    };
    int64_t next = 0;
    for (int64_t u = 0; u < n_units; u++) {
        const int64_t end = unit_starts[u + 1];
        const double arena = unit_voice[u], observed = unit_observed[u];
        int64_t i = unit_starts[u];
        while (i < end) {
            /* the citizens up to the next panel member, then that member */
            const int64_t stop = (next < n_panel && panel[next] < end) ? panel[next] : end;
            for (; i < stop; i++) {
                const int part = taking_part[i] != 0;
                update_citizen(i, part, choose(part, arena, 0.0), observed, &r, trust,
                               uniform, new_trust, value, expectation, social_trust, efficacy,
                               belief);
            }
            if (i < end) {  /* a panel member: takes part, feels at least panel_influence */
                const double voice = choose(panel_influence > arena, panel_influence, arena);
                update_citizen(i, 1, voice, observed, &r, trust, uniform, new_trust, value,
                               expectation, social_trust, efficacy, belief);
                i++;
                next++;
            }
        }
        double value_sum = 0.0, trust_sum = 0.0, social_sum = 0.0;
        for (int64_t j = unit_starts[u]; j < end; j++) {
            value_sum += value[j];
            trust_sum += new_trust[j];
            social_sum += social_trust[j];
        }
        unit_value[u] = value_sum;
        unit_trust[u] = trust_sum;
        unit_social[u] = social_sum;
    }
}

/* ------------------------------------------------------------------------------------------
 * Phase 7: professionals (motivation.update_professionals), in place. They are stored unit
 * by unit too: unit u's staff are staff_starts[u] .. staff_starts[u+1]-1.
 * coef, in order: incentive crowding x performance incentives, recognition baseline,
 * crowding-out rate, crowding-in rate, burnout motivation loss, control tolerance, scar rate,
 * scar decay, the logic's professional autonomy, leader adjustment steps, burnout decay,
 * maturation steps, burnout added by a switch (0 without one).
 */
HOT void professional_step(int64_t n_units, const int64_t *staff_starts, const double *control,
                       const double *facilitation, const double *coef,
                       double *restrict motivation, double *restrict autonomy,
                       double *restrict scar, double *restrict burnout,
                       double *restrict skill) {
    const double crowding = coef[0], recognition = coef[1], crowding_out = coef[2];
    const double crowding_in = coef[3], burnout_loss = coef[4], tolerance = coef[5];
    const double scar_rate = coef[6], scar_decay = coef[7], target_autonomy = coef[8];
    const double adjustment_steps = coef[9], burnout_decay = coef[10];
    const double maturation_steps = coef[11], reform_burnout = coef[12];
    for (int64_t u = 0; u < n_units; u++) {
        const double c = control[u], f = facilitation[u];
        for (int64_t j = staff_starts[u]; j < staff_starts[u + 1]; j++) {
            double b = burnout[j];
            if (reform_burnout > 0.0) b = minimum(1.0, b + reform_burnout);
            const double m = motivation[j], a = autonomy[j], sc = scar[j];
            const double controlling = c * (1.0 - a) + crowding;
            const double support = recognition + a * (1.0 - c);
            const double room = 1.0 - sc - m;
            const double new_m = m + (-crowding_out * controlling * m
                                      + crowding_in * support * (room > 0.0 ? room : 0.0)
                                      - burnout_loss * b * m);
            const double over = controlling - tolerance;
            const double excess = over > 0.0 ? over : 0.0;
            const double new_scar = sc + scar_rate * excess * (1.0 - sc) - scar_decay * sc;
            motivation[j] = clip01(new_m);
            autonomy[j] = clip01(a + (target_autonomy - a) / adjustment_steps);
            scar[j] = clip01(new_scar);
            burnout[j] = b * (1.0 - burnout_decay);
            skill[j] = clip01(skill[j] + (f - skill[j]) / maturation_steps);
        }
    }
}

/* Mean of x over each citizen's neighbours (groups.neighbour_mean), float64[n]. */
void neighbour_mean(int64_t n, int64_t degree, const int32_t *neighbours, const double *x,
                    double *out) {
    for (int64_t i = 0; i < n; i++) {
        const int32_t *row = neighbours + i * degree;
        double sum = 0.0;
        for (int64_t k = 0; k < degree; k++) sum += x[row[k]];
        out[i] = sum / (double)degree;
    }
}

/* SHA-256 of this file when it was compiled (the build passes it in), so that a library
 * built from another version of the source is recognised and not used. */
#ifndef KERNEL_SOURCE_HASH
#define KERNEL_SOURCE_HASH "unknown"
#endif
const char *kernel_source_hash(void) { return KERNEL_SOURCE_HASH; }
