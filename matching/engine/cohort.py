"""A cohort as numpy arrays, and scores for blocks of APMs against every mentor.

Interests, topics, agencies and domains become bitmasks over a vocabulary (only the
categories, agencies and domains that both sides use; category ids can be anything).
A block of APMs x all mentors is then scored with a handful of whole-array operations:
per APM row, cached mentor vectors for the parts that depend on a few APM attributes
(time zone, career track and business unit; agencies and domains), and per pair, an
AND + popcount + multiply-divide-floor for the fraction of interests shared.

The block scores are exact. Every part is rounded down to a thousandth of a point
("units"), and the float arithmetic is exact for the sizes allowed: see
`_interest_dtype`, and weights are capped so that a score stays below 2**23 units,
where float32 still holds every integer and half-integer. A per-pair "jitter" in
[0, 0.5) is added only to order equal scores, so that APMs alike do not all pick the
same tied mentors as candidates; the exact score of a pair is `floor(block score)`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from matching.engine.records import ApmRecord, MentorRecord
from matching.engine.scoring import (
    AGENCIES_FOR_FULL,
    TRACK_INDEX,
    TZ_FULL_MINUTES,
    TZ_ZERO_MINUTES,
)

NO_BOUND = np.int64(-(2**62))  # "no pruned eligible mentor"
BLOCK_ELEMENTS = 1 << 19  # APM rows x mentors scored at once (2 MB as float32)
VECTOR_CACHE_ELEMENTS = 1 << 24  # per cache of per-APM-kind mentor vectors: 64 MB
BIG_TEAM_SHARE = 32  # a team with at least 1/32 of the mentors gets a cached vector

# 3x3 table of career points as a fraction of the weight, times two (so "half" is exact):
# rows are the APM's track, columns the mentor's (people manager, IC, undecided).
_CAREER_HALVES = np.array([[2, 0, 0], [0, 2, 0], [1, 1, 0]], dtype=np.int64)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fixed pseudo-random hash of integer ids."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _mask_dtype(bits: int):
    for dtype in (np.uint8, np.uint16, np.uint32):
        if bits <= np.iinfo(dtype).bits:
            return dtype
    return np.uint64


def _masks(records: Sequence, fields: Sequence[tuple[str, dict]], bits: int) -> np.ndarray:
    """One row of bitmask words per record: the bits of the items of each field that
    its vocabulary (item -> bit position) knows."""
    dtype = _mask_dtype(bits)
    word_bits = np.iinfo(dtype).bits
    words = max(1, -(-bits // word_bits))
    rows, positions = [], []
    for name, vocabulary in fields:
        for row, record in enumerate(records):
            for item in getattr(record, name):
                position = vocabulary.get(item)
                if position is not None:
                    rows.append(row)
                    positions.append(position)
    out = np.zeros((len(records), words), dtype=dtype)
    if rows:
        positions = np.asarray(positions, dtype=np.int64)
        np.bitwise_or.at(
            out,
            (np.asarray(rows, dtype=np.int64), positions // word_bits),
            (np.ones(1, dtype=dtype) << (positions % word_bits).astype(dtype)),
        )
    return out


def _dense_ids(values, missing: int) -> tuple[np.ndarray, dict]:
    index = {value: i for i, value in enumerate(sorted({v for v in values if v is not None}))}
    return np.array([index.get(v, missing) for v in values], dtype=np.int32), index


class Cohort:
    """APMs and mentors with free capacity as arrays, in a fixed order.

    `apms[i]` is the APM of row i and `mentors[j]` the mentor of column j (mentors with
    capacity > 0), both sorted by id, so that the order of the input never matters.
    """

    def __init__(
        self,
        apms: Sequence[ApmRecord],
        mentors: Sequence[MentorRecord],
        units: dict[str, int],
        banned_pairs: Collection[tuple[int, int]] = (),
    ):
        self.units = units
        mentors = sorted((m for m in mentors if m.capacity > 0), key=lambda m: m.id)
        self.mentors = mentors
        self.n_mentors = n_m = len(mentors)
        self.capacity = np.array([m.capacity for m in mentors], dtype=np.int64)

        self.apms = apms = sorted(apms, key=lambda a: a.id)
        self.n_apms = n_a = len(apms)
        self._encode_vocabularies(apms, mentors)
        unit_ids = [m.business_unit for m in mentors] + [a.business_unit for a in apms]
        _, unit_index = _dense_ids(unit_ids, -1)
        use_unit = units["other_unit"] > 0

        def unit_pref(a):
            if use_unit and a.prefers_other_unit and a.business_unit is not None:
                return unit_index[a.business_unit]
            return -1

        # An APM's "profile" (time zone, track, unit it wants to avoid) decides its time
        # zone, career and other-unit points against every mentor: one cached vector
        # per distinct profile.
        profiles = np.array(
            [(a.utc_offset_minutes, TRACK_INDEX[a.career_track], unit_pref(a)) for a in apms],
            dtype=np.int64,
        ).reshape(n_a, 3)
        self.profiles, key = np.unique(profiles, axis=0, return_inverse=True)
        self.a_profile_key = key.reshape(-1).astype(np.int64)
        self.a_track = profiles[:, 1]
        self.a_unit_pref = profiles[:, 2]
        self.a_offset = np.array([a.utc_offset_minutes for a in apms], dtype=np.int64)
        self.m_offset = np.array([m.utc_offset_minutes for m in mentors], dtype=np.int64)
        self.m_track = np.array([TRACK_INDEX[m.career_track] for m in mentors], dtype=np.int64)
        self.m_unit = np.array(
            [unit_index.get(m.business_unit, -1) for m in mentors], dtype=np.int64
        )

        # Interests and topics.
        bits = len(self.categories)
        self.a_int = _masks(apms, [("interests", self.categories)], bits)
        self.m_int = _masks(mentors, [("topics", self.categories)], bits)
        self.a_n_int = np.array([len(a.interests) for a in apms], dtype=np.int64)
        self._interest_dtype = _interest_dtype(
            units["shared_interests"], len(self.categories), int(self.a_n_int.max(initial=0))
        )
        self.a_n_float = np.maximum(self.a_n_int, 1).astype(self._interest_dtype)

        # Agencies and domains: one mask, agencies' bits first.
        ad_fields = [("agencies", self.agencies), ("domains", self.domains)]
        bits = len(self.agencies) + len(self.domains)
        self.a_ad = _masks(apms, ad_fields, bits)
        self.m_ad = _masks(mentors, ad_fields, bits)
        self.use_ad = bits > 0 and units["agencies_domains"] > 0
        masks, key = np.unique(self.a_ad, axis=0, return_inverse=True)
        self.a_ad_masks = masks
        self.a_ad_key = key.reshape(-1).astype(np.int64)
        empty = np.flatnonzero(~masks.any(axis=1))
        self.a_ad_key[np.isin(self.a_ad_key, empty)] = -1  # knows nothing shared: 0 points
        self._ad_cache: dict[int, np.ndarray] = {}

        # Teams: None never equals anything (-1 for APMs, -2 for mentors).
        team_ids = [m.team for m in mentors] + [a.team for a in apms]
        _, team_index = _dense_ids(team_ids, -1)
        self.a_team = np.array([team_index.get(a.team, -1) for a in apms], dtype=np.int32)
        self.m_team = np.array([team_index.get(m.team, -2) for m in mentors], dtype=np.int32)
        self.use_team = bool((self.a_team >= 0).any() and (self.m_team >= 0).any())
        # Same team is forbidden. A team of many mentors gets a cached -inf vector
        # (see scores); the mentors of a small one are written -inf directly.
        n_teams = len(team_index)
        team_mentors = np.bincount(self.m_team[self.m_team >= 0], minlength=n_teams + 1)
        a_size = np.where(self.a_team >= 0, team_mentors[np.maximum(self.a_team, 0)], 0)
        big_team = a_size * BIG_TEAM_SHARE >= max(1, n_m)
        self.a_team_key = np.where(big_team, self.a_team, -1).astype(np.int64)
        small = (a_size > 0) & ~big_team
        self.t_order = np.argsort(np.where(self.m_team >= 0, self.m_team, n_teams), kind="stable")
        self.t_ptr = np.searchsorted(
            np.where(self.m_team >= 0, self.m_team, n_teams)[self.t_order], np.arange(n_teams + 1)
        )
        self.a_small_team = np.where(small, self.a_team, -1).astype(np.int64)
        self._team_cache: dict[int, np.ndarray] = {}

        self._encode_exclusions(apms, mentors, banned_pairs)

        # Jitter: mentor j's value, rotated by a per-APM offset, so ties break differently
        # (but reproducibly) for different APMs.
        if n_m:
            jitter = (_mix(np.array([m.id for m in mentors])) >> np.uint64(40)).astype(np.float64)
            jitter = (jitter / float(1 << 24) * 0.5).astype(np.float32)
            self._jitter = np.concatenate([jitter, jitter])
            self.a_jitter_offset = (
                _mix(np.array([a.id for a in apms], dtype=np.int64)) % np.uint64(n_m)
            ).astype(np.int64)
        self._career_rows = (_CAREER_HALVES[:, self.m_track] * units["career_track"]) // 2
        self._base_cache: dict[int, np.ndarray] = {}
        self._buffers: dict[str, np.ndarray] = {}

    # ----------------------------------------------------------------- encoding

    def _encode_vocabularies(self, apms, mentors):
        """Bit positions for the categories, agencies and domains both sides use."""

        def shared(apm_field, mentor_field, start=0):
            wanted = set().union(*(getattr(a, apm_field) for a in apms))
            offered = set().union(*(getattr(m, mentor_field) for m in mentors))
            return {item: start + i for i, item in enumerate(sorted(wanted & offered))}

        self.categories = shared("interests", "topics")
        self.agencies = shared("agencies", "agencies")
        self.domains = shared("domains", "domains", start=len(self.agencies))

    def _encode_exclusions(self, apms, mentors, banned_pairs):
        """Pairs ruled out by person (same person, manager chain) or by a committee ban."""
        by_person: dict[int, list[int]] = {}
        for j, m in enumerate(mentors):
            by_person.setdefault(m.person_id, []).append(j)
        mentor_col = {m.id: j for j, m in enumerate(mentors)}
        banned: dict[int, list[int]] = {}
        for apm_id, mentor_id in banned_pairs:
            j = mentor_col.get(mentor_id)
            if j is not None:
                banned.setdefault(apm_id, []).append(j)
        rows, cols = [], []
        for i, a in enumerate(apms):
            excluded = set(by_person.get(a.person_id, ()))
            for person in a.manager_chain:
                excluded.update(by_person.get(person, ()))
            excluded.update(banned.get(a.id, ()))
            rows.extend([i] * len(excluded))
            cols.extend(sorted(excluded))
        self.x_row = np.asarray(rows, dtype=np.int64)
        self.x_col = np.asarray(cols, dtype=np.int64)
        self.x_ptr = np.searchsorted(self.x_row, np.arange(self.n_apms + 1))

    # ----------------------------------------------------------------- scoring

    def block_rows(self) -> int:
        return max(1, BLOCK_ELEMENTS // max(1, self.n_mentors))

    def _base(self, key: int) -> np.ndarray:
        """Time zone + career track + other unit points of APM profile `key` vs every mentor."""
        vector = self._base_cache.get(key)
        if vector is None:
            offset, track, unit = self.profiles[key].tolist()
            distance = np.abs(offset - self.m_offset) % 1440
            distance = np.minimum(distance, 1440 - distance)
            units = tz_units_array(distance, self.units["time_zone"])
            units += self._career_rows[track]
            if unit >= 0:
                units += self.units["other_unit"] * ((self.m_unit >= 0) & (self.m_unit != unit))
            vector = units.astype(np.float32)
            if len(self._base_cache) * self.n_mentors > VECTOR_CACHE_ELEMENTS:
                self._base_cache.clear()
            self._base_cache[key] = vector
        return vector

    def _ad_vector(self, key: int) -> np.ndarray:
        """Agencies/domains points of APM mask number `key` against every mentor."""
        vector = self._ad_cache.get(key)
        if vector is None:
            known = np.bitwise_count(self.a_ad_masks[key][None, :] & self.m_ad).sum(
                axis=1, dtype=np.int64
            )
            units = self.units["agencies_domains"] * np.minimum(known, AGENCIES_FOR_FULL)
            vector = (units // AGENCIES_FOR_FULL).astype(np.float32)
            if len(self._ad_cache) * self.n_mentors > VECTOR_CACHE_ELEMENTS:
                self._ad_cache.clear()
            self._ad_cache[key] = vector
        return vector

    def _team_vector(self, team: int) -> np.ndarray:
        """0 for every mentor, -inf for those on team `team` (same team: forbidden)."""
        vector = self._team_cache.get(team)
        if vector is None:
            vector = np.where(self.m_team == team, -np.inf, 0).astype(np.float32)
            if len(self._team_cache) * self.n_mentors > VECTOR_CACHE_ELEMENTS:
                self._team_cache.clear()
            self._team_cache[team] = vector
        return vector

    def _buffer(self, name: str, rows: int, dtype, width: int | None = None) -> np.ndarray:
        """A reusable (rows x width) work array, width all mentors unless given: fresh
        large arrays cost page faults."""
        width = self.n_mentors if width is None else width
        size = max(rows * width, self.block_rows() * self.n_mentors)
        buf = self._buffers.get(name)
        if buf is None or len(buf) < rows * width or buf.dtype != dtype:
            buf = np.empty(size, dtype=dtype)
            self._buffers[name] = buf
        return buf[: rows * width].reshape(rows, width)

    def scores(
        self, rows: np.ndarray, order: ColumnOrder | None = None, width: int | None = None
    ) -> np.ndarray:
        """Float32 scores of `rows` (sorted APM row numbers) x all mentors.

        Exact units plus jitter in [0, 0.5); -inf where a hard rule forbids the pair.
        With `order`, the columns are the first `width` mentors of that order instead.
        The array is a work buffer, overwritten by the next call.
        """
        b = len(rows)
        n_m = self.n_mentors if order is None else width
        s = self._buffer("scores", b, np.float32, n_m)
        if order is None:
            m_int = self.m_int
            jitter_at = None
        else:
            m_int = order.m_int[:n_m]
            jitter_at = order.cols[:n_m]
        # Row by row (rows, not pairs): jitter, the profile's points, the
        # agencies/domains points and -inf on the APM's own team, each a cached vector
        # over all mentors (a masked copy over the block was far slower when teams are
        # big: a third of the pairs in "forbidden-pairs").
        offsets = self.a_jitter_offset[rows].tolist()
        profiles = self.a_profile_key[rows].tolist()
        ad_keys = self.a_ad_key[rows].tolist()
        teams = self.a_team_key[rows].tolist()
        base, ad, team_vector = self._base, self._ad_vector, self._team_vector
        if order is not None:
            base, ad, team_vector = (
                order.permuted(base),
                order.permuted(ad),
                order.permuted(team_vector),
            )
        for r in range(b):
            row = s[r]
            if jitter_at is None:
                jitter = self._jitter[offsets[r] : offsets[r] + n_m]
            else:
                jitter = self._jitter[jitter_at + offsets[r]]
            np.add(jitter, base(profiles[r])[:n_m], out=row)
            if self.use_ad and ad_keys[r] >= 0:
                np.add(row, ad(ad_keys[r])[:n_m], out=row)
            if teams[r] >= 0:
                np.add(row, team_vector(teams[r])[:n_m], out=row)

        if self.categories and self.units["shared_interests"] > 0:
            shared = self._popcount_and("int", self.a_int[rows], m_int)
            part = self._buffer("part", b, self._interest_dtype, n_m)
            np.multiply(shared, self._interest_dtype(self.units["shared_interests"]), out=part)
            np.divide(part, self.a_n_float[rows, None], out=part)
            np.floor(part, out=part)
            np.add(s, part, out=s)

        team = self.a_small_team[rows]
        with_team = team >= 0
        if with_team.any():
            team = np.maximum(team, 0)
            starts = np.where(with_team, self.t_ptr[team], 0)
            counts = np.where(with_team, self.t_ptr[team + 1] - self.t_ptr[team], 0)
            local = np.repeat(np.arange(b), counts)
            first = np.repeat(starts - np.cumsum(counts) + counts, counts)
            self._forbid(s, local, self.t_order[first + np.arange(len(local))], order)

        starts = self.x_ptr[rows]
        counts = self.x_ptr[rows + 1] - starts
        if counts.any():
            local = np.repeat(np.arange(b), counts)
            first = np.repeat(starts - np.cumsum(counts) + counts, counts)
            self._forbid(s, local, self.x_col[first + np.arange(len(local))], order)
        return s

    @staticmethod
    def _forbid(s: np.ndarray, local: np.ndarray, cols: np.ndarray, order) -> None:
        """-inf at block rows `local`, mentor columns `cols` (those the block holds)."""
        if order is not None:
            cols = order.position[cols]
            inside = cols < s.shape[1]
            local, cols = local[inside], cols[inside]
        s[local, cols] = -np.inf

    def _popcount_and(self, name: str, a_words: np.ndarray, m_words: np.ndarray) -> np.ndarray:
        """(rows x mentors) count of bits set in both, in a work buffer."""
        b = len(a_words)
        bits = a_words.shape[1] * a_words.dtype.itemsize * 8
        count_dtype = np.uint8 if bits < 256 else np.uint16
        both = self._buffer(f"{name}_and", b, a_words.dtype, len(m_words))
        count = self._buffer(f"{name}_count", b, count_dtype, len(m_words))
        np.bitwise_and(a_words[:, None, 0], m_words[None, :, 0], out=both)
        np.bitwise_count(both, out=count)
        if a_words.shape[1] > 1:
            more = self._buffer(f"{name}_more", b, count_dtype, len(m_words))
            for w in range(1, a_words.shape[1]):
                np.bitwise_and(a_words[:, None, w], m_words[None, :, w], out=both)
                np.bitwise_count(both, out=more)
                np.add(count, more, out=count)
        return count

    def edge_parts(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Exact units of each part (columns in PART_NAMES order) for pairs (rows, cols)."""
        u = self.units
        parts = np.zeros((len(rows), 5), dtype=np.int64)
        if len(rows) == 0:
            return parts
        shared = _popcount_and_pairs(self.a_int[rows], self.m_int[cols])
        n = self.a_n_int[rows]
        parts[:, 0] = u["shared_interests"] * shared // np.maximum(n, 1)
        unit = self.a_unit_pref[rows]
        m_unit = self.m_unit[cols]
        parts[:, 1] = u["other_unit"] * ((unit >= 0) & (m_unit >= 0) & (unit != m_unit))
        parts[:, 2] = self._career_rows[self.a_track[rows], cols]
        distance = np.abs(self.a_offset[rows] - self.m_offset[cols]) % 1440
        distance = np.minimum(distance, 1440 - distance)
        parts[:, 3] = tz_units_array(distance, u["time_zone"])
        known = np.minimum(
            _popcount_and_pairs(self.a_ad[rows], self.m_ad[cols]), AGENCIES_FOR_FULL
        )
        parts[:, 4] = u["agencies_domains"] * known // AGENCIES_FOR_FULL
        return parts

    def edge_units(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.edge_parts(rows, cols).sum(axis=1)

    def max_units(self) -> int:
        return sum(self.units.values())


class ColumnOrder:
    """The mentor columns in a chosen order, for scoring blocks against a prefix of it.

    The pricing check scores an APM only against the mentors cheap enough for a pair
    with them to be violated: with the mentors ordered by price, a prefix.
    """

    def __init__(self, cohort: Cohort, cols: np.ndarray):
        self.cols = cols
        self.position = np.empty(cohort.n_mentors, dtype=np.int64)
        self.position[cols] = np.arange(len(cols))
        self.m_int = cohort.m_int[cols]
        self._vectors: dict[tuple, np.ndarray] = {}

    def permuted(self, vector_of):
        """`vector_of(key)` (a cached vector over all mentors) in this order, cached."""

        def vector(key):
            cached = self._vectors.get((vector_of.__name__, key))
            if cached is None:
                cached = vector_of(key)[self.cols]
                self._vectors[(vector_of.__name__, key)] = cached
            return cached

        return vector


def tz_units_array(distance: np.ndarray, weight: int) -> np.ndarray:
    span = TZ_ZERO_MINUTES - TZ_FULL_MINUTES
    falling = weight * np.clip(TZ_ZERO_MINUTES - distance, 0, span) // span
    return np.where(distance <= TZ_FULL_MINUTES, weight, falling).astype(np.int64)


def _interest_dtype(weight: int, bits: int, most_interests: int):
    """float32 when weight x shared / total rounds down exactly in it, else float64.

    The numerator weight x shared must be exact (< 2**24), and the quotient's rounding
    error (half an ulp) must stay below 1 / total, the least distance from a
    non-integer quotient to the next integer, so that floor() is exact.
    """
    if weight * bits < 2**24 and weight * max(most_interests, 1) < 2**22:
        return np.float32
    return np.float64


def _popcount_and_pairs(a_words: np.ndarray, m_words: np.ndarray) -> np.ndarray:
    return np.bitwise_count(a_words & m_words).sum(axis=1, dtype=np.int64)
