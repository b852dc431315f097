/*
 * Fused per-citizen kernels of one step (phases 3, 4 and 6 of dynamics/schedule.py).
 *
 * Each function makes one pass over the citizens and computes what the numpy path computes
 * in many whole-array passes, with the same rules, the same order of operations and the same
 * float64 arithmetic (built with -ffp-contract=off, no fast-math), so that both paths and
 * the per-agent reference agree to rounding. The numpy functions named in each comment are
 * the documented, tested definitions of the rules; this file only fuses them.
 *
 * Arrays are C-contiguous; citizens are indexed 0..n-1, units 0..n_units-1.
 * neighbours: int32[n, degree]; flags (participating, taking part): uint8 (numpy bool).
 * No allocation, no global state, no randomness: the uniforms come pre-drawn from numpy.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Citizens ahead whose ties' values are prefetched in the gathers: enough to cover a trip to
 * main memory, little enough to stay in cache. */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 32
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

/* Mean of x over each citizen's neighbours (groups.neighbour_mean), float64[n]. A short loop
 * of its own keeps many independent memory reads in flight. */
void neighbour_mean(int64_t n, int64_t degree, const int32_t *neighbours, const double *x,
                    double *out) {
    for (int64_t i = 0; i < n; i++) {
        const int32_t *row = neighbours + i * degree;
        double sum = 0.0;
        for (int64_t k = 0; k < degree; k++) sum += x[row[k]];
        out[i] = sum / (double)degree;
    }
}

/* One pass over the network: how many of each citizen's ties took part last step (a count,
 * degree <= 50 fits in a byte) and the mean of their trust. Inlined so that a constant degree
 * gives an unrolled copy. */
static inline __attribute__((always_inline)) void gather_ties(
        int64_t n, int64_t degree, const int32_t *neighbours, const uint8_t *participating,
        const double *trust, uint8_t *contagion, double *neighbours_trust) {
    for (int64_t i = 0; i < n; i++) {
        const int32_t *row = neighbours + i * degree;
        if (i + PREFETCH_AHEAD < n) {  /* ask for the trust of later citizens' ties early */
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

/* Phase 3, first half (participation.facilitation_reach, service_motive and the log-odds of
 * participation_probability): writes minus the log-odds of taking part to neg_log_odds. The
 * caller exponentiates it in place (numpy's vectorised exp) and calls contribution_step.
 * The same pass over the network also takes the neighbours' mean trust for phase 6
 * (last step's trust: groups.neighbour_mean), into neighbours_trust.
 * contagion: uint8[n] scratch, receives the count of neighbours who took part last step.
 * coef, in order: intercept, trust weight, trust threshold, efficacy weight, motivation
 * weight, contagion weight, need weight, time cost, framing, targeting. */
void participation_log_odds(int64_t n, int64_t degree, const int32_t *neighbours,
                            const uint8_t *participating, const double *trust,
                            const double *efficacy, const double *civic_motivation,
                            const double *value, const double *resources, const int32_t *unit,
                            const double *unit_facilitation, const double *coef,
                            uint8_t *contagion, double *neighbours_trust,
                            double *neg_log_odds) {
    const double intercept = coef[0], w_trust = coef[1], threshold = coef[2];
    const double w_efficacy = coef[3], w_motivation = coef[4], w_contagion = coef[5];
    const double w_need = coef[6], time_cost = coef[7], framing = coef[8];
    const double targeting = coef[9];
    /* the gathers get a short loop of their own, to keep many independent reads in flight;
     * the default degree gets a copy the compiler can unroll */
    if (degree == 8)
        gather_ties(n, 8, neighbours, participating, trust, contagion, neighbours_trust);
    else
        gather_ties(n, degree, neighbours, participating, trust, contagion, neighbours_trust);
    for (int64_t i = 0; i < n; i++) {
        const double res = resources[i];
        const double weight = (1.0 - targeting) + targeting * 2.5 * (1.0 - res);
        const double reach = clip01(unit_facilitation[unit[i]] * weight);
        const double motive = (1.0 - framing) * (1.0 - value[i]) + framing * value[i];
        const double cost = time_cost * (1.0 - reach) * 0.2 / res;
        const double log_odds = intercept + w_trust * (trust[i] - threshold)
                                + w_efficacy * efficacy[i] + w_motivation * civic_motivation[i]
                                + w_contagion * ((double)contagion[i] / (double)degree)
                                + w_need * motive - cost;
        neg_log_odds[i] = -log_odds;
    }
}

/* Phase 3, second half (participation_probability, decide; panel members take part
 * regardless) and phase 4: contributions of those taking part (contribution.contributions),
 * 0 for the others, and per unit the number taking part and the sum given (in citizen order,
 * as numpy's bincount adds them).
 * given: on entry exp(-log-odds) of each citizen (from participation_log_odds), on exit the
 * contributions. panel: sorted indices of the panel's members.
 * coef: openness, slope, dialogue effect, unconditional, sanctions x sanction effect, norm
 * threshold. The unit arrays must be zeroed by the caller. */
void contribution_step(int64_t n, const double *uniform, const int64_t *panel, int64_t n_panel,
                       const double *belief, const int8_t *coop_type, const double *trust,
                       const int32_t *unit, const double *unit_facilitation, const double *coef,
                       uint8_t *taking_part, double *given, int64_t *unit_taking_part,
                       double *unit_given) {
    const double openness = coef[0], slope = coef[1], dialogue_effect = coef[2];
    const double unconditional = coef[3], sanction = coef[4], norm_threshold = coef[5];
    int32_t current = -1;
    int64_t count = 0, next = 0;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const int32_t u = unit[i];
        if (u != current) {  /* citizens are stored unit by unit: a predictable branch */
            if (current >= 0) {
                unit_taking_part[current] += count;
                unit_given[current] += sum;
            }
            current = u;
            count = 0;
            sum = 0.0;
        }
        int part = uniform[i] < openness / (1.0 + given[i]);
        if (next < n_panel && panel[next] == i) {
            part = 1;
            next++;
        }
        taking_part[i] = (uint8_t)part;
        /* branch-free: who takes part and the cooperator types are random */
        const int8_t type = coop_type[i];
        const double b = belief[i];
        const double conditional = minimum(1.0, slope * b);
        const double hump = minimum(1.0, slope * 2.0 * minimum(b, 1.0 - b));
        const double base = choose(type == 0, conditional,                    /* conditional */
                            choose(type == 2, hump,                          /* hump */
                            choose(type == 3, unconditional, 0.0)));         /* 3; 1: free rider */
        const double dialogue = dialogue_effect * unit_facilitation[u] * trust[i];
        const double committed = (1.0 - dialogue) * base + dialogue;
        const double amount = choose(part, clip01(committed + sanction * (trust[i] - norm_threshold)),
                                     0.0);
        given[i] = amount;
        count += part;
        sum += amount;  /* adding 0.0 leaves a sum of non-negative amounts unchanged */
    }
    if (current >= 0) {
        unit_taking_part[current] += count;
        unit_given[current] += sum;
    }
}

/* Felt influence of citizen i: the arena's voice if taking part, at least panel_influence
 * for panel members (panel: sorted indices; *next walks through it as i grows). */
static inline double felt_voice(int64_t i, int part, double arena, const int64_t *panel,
                                int64_t n_panel, double panel_influence, int64_t *next) {
    double voice = choose(part, arena, 0.0);
    if (*next < n_panel && panel[*next] == i) {
        if (panel_influence > voice) voice = panel_influence;
        (*next)++;
    }
    return voice;
}

/* Phase 5 on the citizens, first half (service.citizen_value): writes the exponent of the
 * value each citizen receives, -VALUE_SCALE x quality x access x boost, to value. The caller
 * exponentiates it in place (numpy's vectorised exp) and calls citizen_step.
 * coef: access slope ((1 - impartiality) x choice-exit x choice advantage), voice gain,
 * value scale. */
void value_exponent(int64_t n, const uint8_t *taking_part, const double *resources,
                    const int32_t *unit, const double *unit_quality, const double *unit_voice,
                    const int64_t *panel, int64_t n_panel, double panel_influence,
                    const double *coef, double *value) {
    const double access_slope = coef[0], voice_gain = coef[1], value_scale = coef[2];
    int64_t next = 0;
    for (int64_t i = 0; i < n; i++) {
        const int32_t u = unit[i];
        const double voice = felt_voice(i, taking_part[i] != 0, unit_voice[u], panel, n_panel,
                                        panel_influence, &next);
        const double access = 1.0 + access_slope * (resources[i] - 0.6);
        const double boost = 1.0 + voice_gain * voice;
        value[i] = -value_scale * unit_quality[u] * access * boost;
    }
}

/* Phases 5 (citizens' side, second half) and 6: value received and experienced, trust, social
 * trust, efficacy, expectation and beliefs (service.citizen_value, trust.procedural_signal,
 * trust.update_trust, update_social_trust, update_efficacy, contribution.update_beliefs).
 * On entry value holds exp(value exponent) and new_trust the neighbours' mean trust (from
 * participation_log_odds); trust is read only. Value, expectation, social trust, efficacy and belief are updated in place.
 * unit_value receives the sum of value per unit (zeroed by the caller).
 * coef, in order: voice gain (unused here), experience noise, tokenism threshold,
 * fair-treatment signal, commitment, shock, outcome weight, process weight, trust learning
 * rate, loss aversion, trust social influence, social capital decay, initial social trust,
 * cooperation norm, social capital gain, social capital loss, efficacy rate, mobilisation,
 * initial efficacy, expectation rate, belief learning rate. */
void citizen_step(int64_t n, const uint8_t *taking_part, const double *trust,
                  const int32_t *unit, const double *unit_voice, const double *unit_observed,
                  const int64_t *panel, int64_t n_panel, double panel_influence,
                  const double *uniform, const double *coef, double *new_trust, double *value,
                  double *expectation, double *social_trust, double *efficacy, double *belief,
                  double *unit_value) {
    const double noise = coef[1], tokenism = coef[2], fair = coef[3];
    const double commitment = coef[4], shock = coef[5];
    const double w_outcome = coef[6], w_process = coef[7], rate = coef[8];
    const double loss_aversion = coef[9], social_influence = coef[10];
    const double decay = coef[11], social_baseline = coef[12], norm = coef[13];
    const double gain = coef[14], loss = coef[15], efficacy_rate = coef[16];
    const double mobilisation = coef[17], efficacy_baseline = coef[18];
    const double expectation_rate = coef[19], learning_rate = coef[20];
    int64_t next = 0;
    int32_t current = -1;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const int32_t u = unit[i];
        const int part = taking_part[i] != 0;
        const double voice = felt_voice(i, part, unit_voice[u], panel, n_panel,
                                        panel_influence, &next);
        /* value received and experienced */
        const double v = 1.0 - value[i];
        value[i] = v;
        if (u != current) {  /* citizens are stored unit by unit: a predictable branch */
            if (current >= 0) unit_value[current] += sum;
            current = u;
            sum = 0.0;
        }
        sum += v;
        const double experienced = clip01(v + noise * (2.0 * uniform[i] - 1.0));
        const double disconfirmation = experienced - expectation[i];
        expectation[i] = expectation[i] + expectation_rate * disconfirmation;
        /* trust in institutions */
        const double procedural = choose(part, voice - tokenism, fair) + commitment - shock;
        const double signal = w_outcome * disconfirmation + w_process * procedural;
        const double t = trust[i];
        const double gained = signal * (1.0 - t), lost = loss_aversion * signal * t;
        const double own = clip01(t + rate * choose(signal >= 0.0, gained, lost));
        new_trust[i] = (1.0 - social_influence) * own + social_influence * new_trust[i];
        /* social trust: participants gain or lose with what their arena achieved */
        const double s = social_trust[i];
        const double gap = unit_observed[u] - norm;
        const double cooperation = choose(gap >= 0.0, gain * gap * (1.0 - s), loss * gap * s);
        const double drifted = s - decay * (s - social_baseline);
        social_trust[i] = clip01(choose(part, drifted + cooperation, drifted));
        /* efficacy: participants move toward their felt influence */
        const double e = efficacy[i];
        const double moved = e + (efficacy_rate * 0.2 * mobilisation * (1.0 - e)
                                  - efficacy_rate * 0.1 * (e - efficacy_baseline));
        efficacy[i] = clip01(choose(part, moved + efficacy_rate * (voice - e), moved));
        /* beliefs: participants move toward what they saw in their arena */
        const double b = belief[i];
        belief[i] = choose(part, b + learning_rate * (unit_observed[u] - b), b);
    }
    if (current >= 0) unit_value[current] += sum;
}

/* SHA-256 of this file when it was compiled (the build passes it in), so that a library
 * built from another version of the source is recognised and not used. */
#ifndef KERNEL_SOURCE_HASH
#define KERNEL_SOURCE_HASH "unknown"
#endif
const char *kernel_source_hash(void) { return KERNEL_SOURCE_HASH; }
