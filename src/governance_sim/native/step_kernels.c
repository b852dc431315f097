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

/* ------------------------------------------------------------------------------------------
 * Coefficients by name. Each kernel takes its scalar coefficients as one array of doubles
 * laid out as the struct below; the X-macro list is the one definition of the names and
 * their order. The library exports each list as a comma-separated string
 * (`<kernel>_coef_names`), and the loader (native/__init__.py) builds the array from a
 * mapping of names to values in that order, refusing a missing or unknown name: no
 * positional list on the Python side that could silently swap two values.
 */
#define PARTICIPATION_COEF(X) X(intercept) X(w_trust) X(threshold) X(w_efficacy) \
    X(w_motivation) X(w_contagion) X(w_need) X(time_cost) X(framing) X(targeting_slope) \
    X(mean_resources) X(lowest_resources) X(per_quintile) X(reach)
#define CONTRIBUTION_COEF(X) X(persistence) X(slope) X(dialogue_effect) X(unconditional)
#define VALUE_COEF(X) X(access_slope) X(voice_gain) X(value_scale) X(mean_resources) \
    X(per_quintile)
#define CITIZEN_COEF(X) X(noise) X(tokenism) X(voice_weight) X(fair) X(commitment) X(shock) X(w_outcome) \
    X(w_process) X(rate) X(loss_aversion) X(anchoring) X(disposition_rate) \
    X(social_influence) X(decay) X(social_baseline) X(norm) X(gain) X(loss) \
    X(efficacy_rate) X(mobilisation) X(mobilisation_gain) X(efficacy_reversion) \
    X(efficacy_baseline) X(expectation_rate) X(expectation_own) X(expectation_other) \
    X(learning_rate) X(felt_say) \
    X(efficacy_gradient) X(efficacy_trust_gradient) X(efficacy_motivation_gradient) \
    X(initial_motivation) X(social_gradient) X(institutional_link) X(initial_trust) \
    X(mean_resources) X(per_quintile)
#define SANCTION_COEF(X) X(active) X(prosocial_scale) X(antisocial_scale) X(response) \
    X(keep) X(free_rider)
#define PROFESSIONAL_COEF(X) X(incentive_pressure) X(crowding_out) X(crowding_in) \
    X(adjustment_rate) X(burnout_loss) X(tolerance) X(scar_rate) X(scar_decay) \
    X(target_autonomy) X(adjustment_steps) X(burnout_decay) X(maturation_steps) \
    X(reform_burnout)

#define AS_FIELD(name) double name;
#define AS_NAME(name) #name ","
typedef struct { PARTICIPATION_COEF(AS_FIELD) } ParticipationCoef;
typedef struct { CONTRIBUTION_COEF(AS_FIELD) } ContributionCoef;
typedef struct { VALUE_COEF(AS_FIELD) } ValueCoef;
typedef struct { CITIZEN_COEF(AS_FIELD) } CitizenRules;
typedef struct { PROFESSIONAL_COEF(AS_FIELD) } ProfessionalCoef;
typedef struct { SANCTION_COEF(AS_FIELD) } SanctionCoef;
const char *participation_log_odds_coef_names(void) { return PARTICIPATION_COEF(AS_NAME); }
const char *contribution_step_coef_names(void) { return CONTRIBUTION_COEF(AS_NAME); }
const char *value_exponent_coef_names(void) { return VALUE_COEF(AS_NAME); }
const char *citizen_step_coef_names(void) { return CITIZEN_COEF(AS_NAME); }
const char *professional_step_coef_names(void) { return PROFESSIONAL_COEF(AS_NAME); }
const char *sanction_step_coef_names(void) { return SANCTION_COEF(AS_NAME); }
/* sizes, so the loader can check that each struct is exactly its doubles (no padding) */
int64_t participation_log_odds_coef_size(void) { return sizeof(ParticipationCoef); }
int64_t contribution_step_coef_size(void) { return sizeof(ContributionCoef); }
int64_t value_exponent_coef_size(void) { return sizeof(ValueCoef); }
int64_t citizen_step_coef_size(void) { return sizeof(CitizenRules); }
int64_t professional_step_coef_size(void) { return sizeof(ProfessionalCoef); }
int64_t sanction_step_coef_size(void) { return sizeof(SanctionCoef); }

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

/* clip01 without a branch (the same value): where a loop holds several clips, the ternaries
 * of clip01 keep the compiler from vectorising it. */
static inline double clip01_masked(double x) {
    return choose(x < 0.0, 0.0, choose(x > 1.0, 1.0, x));
}

/* ------------------------------------------------------------------------------------------
 * Phase 3, first half: the network and the log-odds of taking part.
 */

/* One pass over the network: how many of each citizen's ties took part last step (a count:
 * degree <= 50 fits in a byte) and the mean of their trust (groups.neighbour_mean). Inlined,
 * so that a constant degree gives an unrolled copy. */
static inline __attribute__((always_inline)) void gather_ties(
        int64_t n, int64_t degree, int prefetch, const int32_t *neighbours,
        const uint8_t *participating, const double *trust, const int8_t *quintile,
        double per_quintile, uint8_t *contagion, double *neighbours_trust,
        double *signed_resources) {
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
        /* the citizen's resources, negative if they took part last month (this loop waits on
         * memory anyway; the vectorised loop after it reads them as plain doubles) */
        const double res = (double)quintile[i] * per_quintile;
        signed_resources[i] = participating[i] ? -res : res;
    }
}

/* participation.targeting_weight, facilitation_relief, service_motive and
 * acceptance_log_odds: writes minus the log-odds of accepting an invitation to neg_log_odds,
 * and the neighbours' mean trust (last step's, for phase 6) to neighbours_trust. The caller
 * exponentiates neg_log_odds in place and calls contribution_step.
 * contagion: uint8[n] scratch. coef: ParticipationCoef; targeting_slope is participation.targeting_slope. */
HOT void participation_log_odds(int64_t n, int64_t degree, const int32_t *neighbours,
                            const uint8_t *participating, const double *trust,
                            const double *efficacy, const float *civic_motivation,
                            double *restrict value, const int8_t *quintile,
                            int64_t n_units, const int64_t *unit_starts,
                            const double *unit_facilitation, const double *coef_array,
                            uint8_t *restrict contagion, double *restrict neighbours_trust,
                            double *restrict neg_log_odds) {
    const ParticipationCoef c = *(const ParticipationCoef *)coef_array;
    /* the coefficients as scalars: kept in registers, the loop below vectorises */
    const double intercept = c.intercept, w_trust = c.w_trust, threshold = c.threshold;
    const double w_efficacy = c.w_efficacy, w_motivation = c.w_motivation;
    const double w_contagion = c.w_contagion, w_need = c.w_need, time_cost = c.time_cost;
    const double framing = c.framing, targeting_slope = c.targeting_slope;
    const double mean_resources = c.mean_resources, lowest_resources = c.lowest_resources;
    const double per_quintile = c.per_quintile, reach = c.reach;
    const int prefetch = n >= PREFETCH_FROM;
    /* the gathers get a loop of their own, to keep many independent reads in flight */
    if (degree == 8)
        gather_ties(n, 8, prefetch, neighbours, participating, trust, quintile, per_quintile,
                    contagion, neighbours_trust, neg_log_odds);
    else
        gather_ties(n, degree, prefetch, neighbours, participating, trust, quintile,
                    per_quintile, contagion, neighbours_trust, neg_log_odds);
    for (int64_t u = 0; u < n_units; u++) {
        const double facilitation = unit_facilitation[u];
        const int64_t first = unit_starts[u], end = unit_starts[u + 1];
        for (int64_t i = first; i < end; i++) {
            /* resources from the gather, negative for last month's participants */
            const double signed_res = neg_log_odds[i];
            const double res = fabs(signed_res);
            const double weight = 1.0 + targeting_slope * (mean_resources - res);
            const double relief = clip01_masked(facilitation * weight);
            const double motive = (1.0 - framing) * (1.0 - value[i]) + framing * value[i];
            const double cost = time_cost * (1.0 - relief) * lowest_resources / res;
            const double log_odds = intercept + w_trust * (trust[i] - threshold)
                                    + w_efficacy * efficacy[i]
                                    + w_motivation * (double)civic_motivation[i]
                                    + w_contagion * ((double)contagion[i] / (double)degree)
                                    + w_need * motive - cost;
            neg_log_odds[i] = -log_odds;
            /* value is read above and not again until value_exponent overwrites it: it
             * carries each citizen's invitation (participation.reach) to contribution_step,
             * and -1 marks those who took part last month, who go on with the persistence
             * (a double compare there keeps its loop vectorised) */
            value[i] = choose(signed_res < 0.0, -1.0, clip01_masked(reach * weight));
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Phase 3, second half, and phase 4: who takes part, and what they contribute.
 */

/* contribution.contributions for one citizen (whether or not taking part); learned is the
 * shift punishment has taught the citizen (contribution.punishment_learning). */
static inline double contribution(double belief, int8_t type, double trust, double dialogue_weight,
                                  double slope, double unconditional, double learned) {
    /* choose() for the minima and the clip (the same values as the ternaries): no branch,
     * so the loop of contribution_step vectorises */
    const double scaled = slope * belief;
    const double conditional = choose(1.0 < scaled, 1.0, scaled);
    const double nearer = choose(belief < 1.0 - belief, belief, 1.0 - belief);
    const double hump_scaled = slope * 2.0 * nearer;
    const double hump = choose(1.0 < hump_scaled, 1.0, hump_scaled);
    const double base = choose(type == 0, conditional,           /* conditional */
                        choose(type == 2, hump,                 /* hump-shaped */
                        choose(type == 3, unconditional, 0.0))); /* unconditional; 1 free rider */
    const double dialogue = dialogue_weight * trust;
    const double committed = (1.0 - dialogue) * base + dialogue;
    return clip01_masked(committed + learned);
}

/* The citizens first .. end-1 of one unit in contribution_step (see there). Inlined twice,
 * with and without learned shifts, so that neither copy tests has_learned per citizen. */
static inline __attribute__((always_inline)) void contribute_unit(
        int64_t first, int64_t end, int64_t base, const double *restrict uniform,
        const double *restrict belief, const int8_t *restrict coop_type,
        const double *restrict trust, const double *restrict invitation,
        const float *restrict learned, int has_learned, double persistence,
        double dialogue_weight, double slope, double unconditional,
        uint8_t *restrict taking_part, double *restrict given, int64_t *n_invited,
        int64_t *n_accepted) {
    int64_t invited_count = 0, accepted_count = 0;
    for (int64_t i = first; i < end; i++) {
        const int took = invitation[i] < 0.0;  /* marked in participation_log_odds */
        const double probability = choose(took, persistence,
                                          invitation[i] * (1.0 / (1.0 + given[i])));
        const double draw = uniform[i - base];
        const int part = draw < probability;
        const int invited = (!took) & (draw < invitation[i]);  /* no branch */
        invited_count += invited;
        accepted_count += invited & part;
        const double shift = has_learned ? (double)learned[i] : 0.0;
        const double amount = contribution(belief[i], coop_type[i], trust[i],
                                           dialogue_weight, slope, unconditional, shift);
        taking_part[i] = (uint8_t)part;
        given[i] = choose(part, amount, 0.0);
    }
    *n_invited += invited_count;
    *n_accepted += accepted_count;
}

/* participation.reach, acceptance, participation_probability, decide and invited (panel
 * members take part regardless), then contributions of those taking part (0 for the others)
 * and per unit the number taking part and the sum given, in citizen order as numpy's
 * bincount adds them; counts[0] and counts[1] receive the numbers invited and, of them,
 * taking part. given: on entry exp(-log-odds of accepting) of each citizen (from
 * participation_log_odds), on exit the contributions. invitation: each citizen's
 * probability of being invited, -1 for those who took part last step (written by
 * participation_log_odds). learned: float32[n], the shifts punishment has taught (read only
 * when has_learned is non-zero; a run that never sanctioned holds none). coef:
 * ContributionCoef. Only the units first_unit .. end_unit-1 are done (the caller may go
 * through the citizens in chunks of whole units); uniform holds the draws of their citizens
 * only, from citizen unit_starts[first_unit] on; counts are added to. counts[2] counts those
 * taking part, and participants[counts[2]] receives each one's index, in citizen order (as
 * numpy's flatnonzero), while counts[2] < capacity. */
HOT void contribution_step(int64_t first_unit, int64_t end_unit, const int64_t *unit_starts,
                       const double *uniform,
                       const int64_t *panel, int64_t n_panel, const double *belief,
                       const int8_t *coop_type, const double *trust,
                       const double *unit_facilitation, const double *restrict invitation,
                       const float *learned, int64_t has_learned,
                       const double *coef_array, uint8_t *restrict taking_part,
                       double *restrict given,
                       int64_t *unit_taking_part, double *unit_given, int64_t *counts,
                       int64_t *restrict participants, int64_t capacity) {
    const ContributionCoef c = *(const ContributionCoef *)coef_array;
    const double slope = c.slope, unconditional = c.unconditional;
    const double dialogue_effect = c.dialogue_effect;
    const double persistence = c.persistence;
    const int64_t base = unit_starts[first_unit];  /* uniform[0] is citizen base's draw */
    int64_t next = 0, n_invited = 0, n_accepted = 0;
    while (next < n_panel && panel[next] < base) next++;  /* members of earlier units */
    for (int64_t u = first_unit; u < end_unit; u++) {
        const int64_t first = unit_starts[u], end = unit_starts[u + 1];
        const double dialogue_weight = dialogue_effect * unit_facilitation[u];
        if (has_learned)
            contribute_unit(first, end, base, uniform, belief, coop_type, trust, invitation,
                            learned, 1, persistence, dialogue_weight, slope, unconditional,
                            taking_part, given, &n_invited, &n_accepted);
        else
            contribute_unit(first, end, base, uniform, belief, coop_type, trust, invitation,
                            learned, 0, persistence, dialogue_weight, slope, unconditional,
                            taking_part, given, &n_invited, &n_accepted);
        for (; next < n_panel && panel[next] < end; next++) {
            const int64_t i = panel[next];
            taking_part[i] = 1;
            given[i] = contribution(belief[i], coop_type[i], trust[i], dialogue_weight, slope,
                                    unconditional, has_learned ? (double)learned[i] : 0.0);
        }
        int64_t count = 0;
        for (int64_t i = first; i < end; i++) count += taking_part[i];  /* vectorised */
        /* the sum in citizen order, as bincount takes it, over those taking part only: the
         * others' given is +0.0, and adding +0.0 changes no sum that starts at +0.0 (it
         * cannot become -0.0). Few take part, so the branch is predicted and the chain of
         * dependent additions is short. */
        double sum = 0.0;
        int64_t listed = counts[2];
        for (int64_t i = first; i < end; i++)
            if (taking_part[i]) {
                sum += given[i];
                if (listed < capacity) participants[listed] = i;
                listed++;
            }
        counts[2] = listed;
        unit_taking_part[u] = count;
        unit_given[u] = sum;
    }
    counts[0] += n_invited;
    counts[1] += n_accepted;
}

/* Phase 4's sanctions stage (schedule.sanction_stage with contribution.punishment_learning),
 * on the participants listed by contribution_step: per unit, the share of participants who
 * are not free riders and their mean trust (summed in citizen order, as numpy's bincount);
 * then each participant's learned shift fades (x keep) and, where active, moves by
 * response x (prosocial - antisocial) punishment, in the numpy path's order of operations:
 *     prosocial  = (prosocial_scale x cooperator share) x max(observed - given, 0)
 *     antisocial = (antisocial_scale x (1 - mean trust)) x max(given - observed, 0)
 * with observed = the unit's sum given / its number taking part. participants: int64[m],
 * sorted; learned: float32[n], updated in place (rounded to float32 as numpy's astype). The
 * scales are sanctions x (group size - 1) x punishment per deviation, and x antisocial
 * punishment; keep is 1 - sanction_learning_decay. */
void sanction_step(int64_t n_part, const int64_t *participants, const int64_t *unit_starts,
                   const int64_t *unit_taking_part, const double *unit_given,
                   const int8_t *coop_type, const double *trust, const double *given,
                   const double *coef_array, float *learned) {
    const SanctionCoef c = *(const SanctionCoef *)coef_array;
    const int8_t free_rider = (int8_t)c.free_rider;
    int64_t u = 0;
    for (int64_t j = 0; j < n_part;) {
        while (unit_starts[u + 1] <= participants[j]) u++;  /* the unit of participant j */
        const int64_t end = unit_starts[u + 1];
        double cooperators = 0.0, trust_sum = 0.0;
        int64_t k = j;
        for (; k < n_part && participants[k] < end; k++) {
            cooperators += (double)(coop_type[participants[k]] != free_rider);
            trust_sum += trust[participants[k]];
        }
        const double present = (double)(k - j);
        const double share = cooperators / present, civic = trust_sum / present;
        const double observed = unit_given[u] / (double)unit_taking_part[u];
        for (; j < k; j++) {
            const int64_t i = participants[j];
            const double kept = (double)learned[i] * c.keep;
            double change = 0.0;
            if (c.active != 0.0) {
                const double short_of = observed - given[i], above = given[i] - observed;
                const double prosocial = c.prosocial_scale * share
                                         * (short_of >= 0.0 ? short_of : 0.0);
                const double antisocial = c.antisocial_scale * (1.0 - civic)
                                          * (above >= 0.0 ? above : 0.0);
                change = c.response * (prosocial - antisocial);
            }
            learned[i] = (float)(kept + change);
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Phases 5 (the citizens' side) and 6: value received, trust, social trust, efficacy,
 * expectation and beliefs.
 */

/* service.citizen_value, first half: writes the exponent of the value each citizen
 * receives, -value_scale x (quality x fit) x access x boost, to value; the caller
 * exponentiates it in place and calls citizen_step. Participants feel their arena's voice,
 * panel members at least panel_influence; fit is the citizen's lasting service fit.
 * coef: ValueCoef (access slope is (1 - impartiality) x choice-exit x choice advantage). */
static inline double value_exponent_of(double resources, double voice, double quality,
                                       double fit, double access_slope, double voice_gain,
                                       double value_scale, double mean_resources) {
    const double access = 1.0 + access_slope * (resources - mean_resources);
    const double boost = 1.0 + voice_gain * voice;
    return -value_scale * (quality * fit) * access * boost;
}

HOT void value_exponent(int64_t n_units, const int64_t *unit_starts, const uint8_t *taking_part,
                    const int8_t *quintile, const float *service_fit,
                    const double *unit_quality, const double *unit_voice, const int64_t *panel, int64_t n_panel,
                    double panel_influence, const double *coef_array, double *value) {
    const ValueCoef c = *(const ValueCoef *)coef_array;
    const double access_slope = c.access_slope, voice_gain = c.voice_gain;
    const double value_scale = c.value_scale, mean_resources = c.mean_resources;
    const double per_quintile = c.per_quintile;
    int64_t next = 0;
    for (int64_t u = 0; u < n_units; u++) {
        const int64_t first = unit_starts[u], end = unit_starts[u + 1];
        const double quality = unit_quality[u], arena = unit_voice[u];
        for (int64_t i = first; i < end; i++)
            value[i] = value_exponent_of((double)(int32_t)quintile[i] * per_quintile,
                                         choose(taking_part[i], arena, 0.0),
                                         quality, (double)service_fit[i], access_slope, voice_gain, value_scale,
                                         mean_resources);
        for (; next < n_panel && panel[next] < end; next++) {
            const int64_t i = panel[next];
            const double voice = choose(panel_influence > arena, panel_influence, arena);
            value[i] = value_exponent_of((double)(int32_t)quintile[i] * per_quintile, voice, quality,
                                         (double)service_fit[i], access_slope,
                                         voice_gain, value_scale, mean_resources);
        }
    }
}

/* The rules of phases 5-6 for one citizen (service.citizen_value, trust.procedural_signal,
 * trust.update_trust, update_disposition, update_social_trust, update_efficacy,
 * contribution.update_beliefs); the coefficients are CitizenRules. */

static inline void update_citizen(int64_t i, int part, double voice, double observed,
                                  double others_part, const CitizenRules *restrict r, const double *restrict trust,
                                  const int8_t *restrict quintile,
                                  const float *restrict civic_motivation,
                                  double draw, double *restrict new_trust,
                                  double *restrict value, double *restrict expectation,
                                  double *restrict disposition,
                                  double *restrict social_trust, double *restrict efficacy,
                                  double *restrict belief) {
    /* value received (value holds exp(exponent)) and experienced */
    const double v = 1.0 - value[i];
    value[i] = v;
    /* clipped without a branch: with a branch here GCC does not vectorise this loop for
     * AVX2 (x86-64-v3), only for AVX-512 */
    const double experienced = clip01_masked(v + r->noise * (2.0 * draw - 1.0));
    const double expected = expectation[i];
    const double disconfirmation = experienced - expected;
    /* trust.expectation_target: own experience and what the unit gave others last step
     * (others_part: expectation_other x the unit's mean value, the same for its citizens) */
    expectation[i] = expected + r->expectation_rate * (
        r->expectation_own * experienced + others_part - expected);
    /* trust in institutions (trust.felt_say, procedural_signal, asymmetric_update in
     * log-odds); new_trust holds the neighbours' mean trust */
    const double e = efficacy[i];
    const double res = (double)quintile[i] * r->per_quintile;
    const double heard = r->voice_weight * (voice - r->tokenism)
                         + (1.0 - r->voice_weight) * r->fair;
    const double say = r->felt_say * (e - r->efficacy_baseline);
    const double procedural = choose(part, heard, r->fair) + say + r->commitment - r->shock;
    const double signal = r->w_outcome * disconfirmation + r->w_process * procedural;
    const double t = trust[i];
    const double weighted = choose(signal >= 0.0, signal, r->loss_aversion * signal);
    const double own = clip01(t + r->rate * (t * (1.0 - t)) * weighted);
    const double d = disposition[i];
    const double anchored = own + r->anchoring * (d - own);
    new_trust[i] = (1.0 - r->social_influence) * anchored + r->social_influence * new_trust[i];
    /* the disposition: a slow trace of last step's trust, falls weighted by loss aversion */
    const double gap_d = t - d;
    const double weight_d = choose(gap_d >= 0.0, 1.0, r->loss_aversion);
    disposition[i] = clip01(d + r->disposition_rate * weight_d * gap_d);
    /* social trust: participants gain or lose with what their arena achieved */
    const double s = social_trust[i];
    const double gap = observed - r->norm;
    const double cooperation = choose(gap >= 0.0, r->gain * gap * (1.0 - s), r->loss * gap * s);
    const double level = r->social_baseline + r->social_gradient * (res - r->mean_resources)
                         + r->institutional_link * (t - r->initial_trust);
    const double drifted = s - r->decay * (s - level);
    social_trust[i] = clip01(choose(part, drifted + cooperation, drifted));
    /* efficacy (trust.efficacy_anchor, update_efficacy): participants move with the
     * influence they felt above the tokenism threshold; all return to their anchor, set by
     * resources, the (new) trust disposition and civic motivation */
    const double anchor = clip01_masked(
        r->efficacy_baseline + r->efficacy_gradient * (res - r->mean_resources)
        + r->efficacy_trust_gradient * (disposition[i] - r->initial_trust)
        + r->efficacy_motivation_gradient * ((double)civic_motivation[i]
                                             - r->initial_motivation));
    const double moved = e + (r->efficacy_rate * r->mobilisation_gain * r->mobilisation * (1.0 - e)
                              - r->efficacy_rate * r->efficacy_reversion * (e - anchor));
    const double felt = voice - r->tokenism;
    const double roomed = choose(felt >= 0.0, felt * (1.0 - e), felt * e);
    efficacy[i] = clip01(choose(part, moved + r->efficacy_rate * roomed, moved));
    /* beliefs: participants move toward what they saw in their arena */
    const double b = belief[i];
    belief[i] = choose(part, b + r->learning_rate * (observed - b), b);
}

/* Phases 5 (second half) and 6 for every citizen. On entry value holds exp(value exponent)
 * and new_trust the neighbours' mean trust (from participation_log_odds); trust is read
 * only. Value, expectation, disposition, social trust, efficacy and belief are updated in
 * place;
 * unit_value, unit_trust and unit_social receive the sums per unit of the new value, trust
 * and social trust, in citizen order (as numpy's bincount takes them).
 * coef: CitizenRules (fair is the fair-treatment signal, trust.fair_treatment).
 * Only the units first_unit .. end_unit-1 are done; uniform holds the draws of their
 * citizens only, from citizen unit_starts[first_unit] on (see contribution_step). */
HOT void citizen_step(int64_t first_unit, int64_t end_unit, const int64_t *unit_starts,
                  const uint8_t *restrict taking_part, const double *restrict trust,
                  const int8_t *restrict quintile, const float *restrict civic_motivation,
                  const double *unit_voice, const double *unit_observed,
                  const double *last_unit_value, const int64_t *panel,
                  int64_t n_panel, double panel_influence, const double *restrict uniform,
                  const double *coef, double *restrict new_trust, double *restrict value,
                  double *restrict expectation, double *restrict disposition,
                  double *restrict social_trust,
                  double *restrict efficacy, double *restrict belief,
                  double *restrict unit_value, double *restrict unit_trust,
                  double *restrict unit_social) {
    const CitizenRules r = *(const CitizenRules *)coef;
    const int64_t base = unit_starts[first_unit];  /* uniform[0] is citizen base's draw */
    int64_t next = 0;
    while (next < n_panel && panel[next] < base) next++;  /* members of earlier units */
    for (int64_t u = first_unit; u < end_unit; u++) {
        const int64_t end = unit_starts[u + 1];
        const double arena = unit_voice[u], observed = unit_observed[u];
        const double others_part = r.expectation_other * last_unit_value[u];
        int64_t i = unit_starts[u];
        while (i < end) {
            /* the citizens up to the next panel member, then that member */
            const int64_t stop = (next < n_panel && panel[next] < end) ? panel[next] : end;
            for (; i < stop; i++) {
                const int part = taking_part[i] != 0;
                update_citizen(i, part, choose(part, arena, 0.0), observed, others_part, &r,
                               trust,
                               quintile, civic_motivation, uniform[i - base], new_trust, value,
                               expectation, disposition, social_trust, efficacy, belief);
            }
            if (i < end) {  /* a panel member: takes part, feels at least panel_influence */
                const double voice = choose(panel_influence > arena, panel_influence, arena);
                update_citizen(i, 1, voice, observed, others_part, &r, trust, quintile,
                               civic_motivation,
                               uniform[i - base], new_trust, value, expectation, disposition,
                               social_trust, efficacy, belief);
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
 * coef: ProfessionalCoef (incentive_pressure is incentive crowding x performance
 * incentives; reform_burnout is 0 without a switch this step).
 */
HOT void professional_step(int64_t n_units, const int64_t *staff_starts, const double *control,
                       const double *facilitation, const double *disposition,
                       const double *perceived_support, const double *coef_array,
                       double *restrict motivation, double *restrict autonomy,
                       double *restrict scar, double *restrict burnout,
                       double *restrict skill) {
    const ProfessionalCoef k = *(const ProfessionalCoef *)coef_array;
    for (int64_t u = 0; u < n_units; u++) {
        const double c = control[u], f = facilitation[u];
        for (int64_t j = staff_starts[u]; j < staff_starts[u + 1]; j++) {
            double b = burnout[j];
            if (k.reform_burnout > 0.0) b = minimum(1.0, b + k.reform_burnout);
            const double m = motivation[j], a = autonomy[j], sc = scar[j];
            const double controlling = (c * (1.0 - a) + k.incentive_pressure)
                                       * (1.0 - perceived_support[j]);
            const double target = disposition[j] - k.crowding_out * controlling
                                  + k.crowding_in * a * (1.0 - c) - sc;
            const double new_m = m + (k.adjustment_rate * (target - m) - k.burnout_loss * b * m);
            const double over = controlling - k.tolerance;
            const double excess = over > 0.0 ? over : 0.0;
            const double new_scar = sc + k.scar_rate * excess * (1.0 - sc) - k.scar_decay * sc;
            motivation[j] = clip01(new_m);
            autonomy[j] = clip01(a + (k.target_autonomy - a) / k.adjustment_steps);
            scar[j] = clip01(new_scar);
            burnout[j] = b * (1.0 - k.burnout_decay);
            skill[j] = clip01(skill[j] + (f - skill[j]) / k.maturation_steps);
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
