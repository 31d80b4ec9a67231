"""A Russian word with its stress -> IPA in English phonemes, by the lexicon's rules, and a plain respelling.

The lexicon's rules (pronunciations.yaml): English phonemes a listener knows, exactly one primary stress per
word, vowels reduced where an English speaker would reduce them, final consonants devoiced as in Russian
(Kirov -> ˈkiːrəf). So: the stressed vowel full (а ɑː, о oʊ in an open syllable and ɔː in a closed one,
е ɛ, и iː, ы ɪ, у uː, ё ɔː), unstressed а/о as ə, е/и/я as ɪ, у as ʊ; я, ю, ё and е said with j where
Russian has it (Вязьма ˈvjɑːzmə, Семёнов sɪˈmjɔːnəf); ж ʒ, х x (the ch of loch: eSpeak's English voice
has it), ц ts, ч tʃ, ш ʃ, щ ʃtʃ; a doubled consonant said once; a voiced consonant devoiced at the end of the
word and before a voiceless one. Final -ev keeps its vowel (Kamenev -> ˈkɑːmɪnjɛf in the lexicon).
"""

from __future__ import annotations

VOWELS = "аеёиоуыэюя"
ACUTE = "\u0301"
_CONSONANTS = {
    "б": "b", "в": "v", "г": "ɡ", "д": "d", "ж": "ʒ", "з": "z", "й": "j", "к": "k", "л": "l", "м": "m",
    "н": "n", "п": "p", "р": "r", "с": "s", "т": "t", "ф": "f", "х": "x", "ц": "ts", "ч": "tʃ", "ш": "ʃ",
    "щ": "ʃtʃ",
}  # fmt: skip
_STRESSED = {
    "а": "ɑː", "я": "ɑː", "е": "ɛ", "э": "ɛ", "ё": "ɔː", "и": "iː", "ы": "ɪ", "у": "uː", "ю": "uː",
}  # fmt: skip
_DIPHTHONG = {"ɑː": "aɪ", "oʊ": "ɔɪ", "ɔː": "ɔɪ", "ɛ": "eɪ"}  # a stressed vowel before й
_DEVOICED = {"b": "p", "v": "f", "ɡ": "k", "d": "t", "ʒ": "ʃ", "z": "s"}
_VOICELESS = {"p", "t", "k", "f", "s", "ʃ", "x", "ts", "tʃ", "ʃtʃ"}
_HUSHING = "жшчщц"
_ONSET_PAIRS = {"r", "l", "v"}  # ˈkruːp, ˈbluːm, ˈsvjɛt: kept with the consonant before them


def vowel_count(word: str) -> int:
    return sum(ch in VOWELS for ch in word.lower())


def stressed_index(marked: str) -> int | None:
    """Which vowel (0-based) a word marked with U+0301 or ё stresses; a word of one vowel stresses it."""
    count, found = 0, None
    for ch in marked.lower():
        if ch in VOWELS:
            count += 1
            if ch == "ё":
                found = count - 1
        elif ch == ACUTE:
            found = count - 1
    return found if found is not None else (0 if count == 1 else None)


def mark(word: str, stressed: int) -> str:
    """The word with U+0301 after its stressed vowel (ё needs none): Кутузов, 1 -> Куту́зов."""
    out, count = [], -1
    for ch in word:
        out.append(ch)
        if ch.lower() in VOWELS:
            count += 1
            if count == stressed and ch.lower() != "ё" and vowel_count(word) > 1:
                out.append(ACUTE)
    return "".join(out)


def _phonemes(word: str, stressed: int) -> list[tuple[str, str]]:
    """(phoneme, kind) pairs: kind C consonant, V unstressed vowel, S the stressed vowel."""
    w = word.lower()
    out: list[tuple[str, str]] = []
    nth = -1
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if ch in VOWELS:
            nth += 1
            final = i == len(w) - 1
            after_vowel = not prev or prev in VOWELS or prev in "ьъ"
            if ch in "еёюя":
                jot = after_vowel
                if ch != "е" and prev and prev not in VOWELS and prev not in _HUSHING:
                    jot = True  # a soft consonant before я, ю, ё: ˈvjɑːzmə, sɪˈmjɔːnəf
                if jot and not (out and out[-1][0] == "j"):
                    out.append(("j", "C"))
            if nth == stressed:
                closed = bool(nxt) and nxt not in VOWELS and (i + 2 >= len(w) or w[i + 2] not in VOWELS)
                vowel = ("ɔː" if closed else "oʊ") if ch == "о" else _STRESSED[ch]
                if nxt == "й":
                    vowel = _DIPHTHONG.get(vowel, vowel)
                out.append((vowel, "S"))
                continue
            if ch in "ао":
                vowel = "ɐ" if not prev else "ə"
                if ch == "о" and nxt == "й" and i + 2 == len(w):
                    vowel = "ɔɪ"  # an unstressed final -ой is still oy
            elif ch in "яё":
                vowel = "ə" if final else "ɪ"
            elif ch in "еэи":
                vowel = "i" if final else "ɪ"
                if ch == "е" and w[i + 1 :] == "в":
                    vowel = "ɛ"  # -ev unreduced, as English says Kamenev, Gorbachev
            elif ch == "ы":
                vowel = "ɪ"
            else:  # у, ю
                vowel = "uː" if final else "ʊ"
            if nxt == "й" and vowel in ("ɪ", "i"):
                vowel = "i"
            out.append((vowel, "V"))
        elif ch == "й":
            if out and out[-1][0] in ("aɪ", "ɔɪ", "eɪ", "i") and not (nxt and nxt in VOWELS):
                continue  # already in the diphthong, or -ий said as a plain final i
            out.append(("j", "C"))
        elif ch in "ьъ":
            if nxt in ("и", "о"):
                out.append(("j", "C"))  # Ильин ɪlˈjiːn
        elif ch in _CONSONANTS:
            sound = _CONSONANTS[ch]
            if out and out[-1] == (sound, "C"):
                continue  # a doubled consonant is said once in English
            out.append((sound, "C"))
    for k in range(len(out) - 1, -1, -1):  # final devoicing, and voicing assimilation before voiceless
        sound, kind = out[k]
        if kind == "C" and sound in _DEVOICED:
            after = out[k + 1][0] if k + 1 < len(out) else None
            if after is None or after in _VOICELESS:
                out[k] = (_DEVOICED[sound], "C")
    return out


def to_ipa(word: str, stressed: int) -> str:
    """IPA for a lower- or mixed-case Cyrillic word whose `stressed`-th vowel (0-based) takes the stress."""
    sounds = _phonemes(word, stressed)
    at = next((k for k, (_, kind) in enumerate(sounds) if kind == "S"), None)
    if at is None:
        return "".join(s for s, _ in sounds)
    if at > 0 and sounds[at - 1][0] == "j":
        at -= 1
    if at > 0 and sounds[at - 1][1] == "C" and sounds[at - 1][0] != "j":
        at -= 1
        if (
            at > 0
            and sounds[at][0] in _ONSET_PAIRS
            and sounds[at - 1][0] in ("p", "b", "t", "d", "k", "ɡ", "f", "s")
        ):
            at -= 1
    if all(kind == "C" for _, kind in sounds[:at]):
        at = 0  # the word's first syllable: ˈstɑːrtsɛf, not sˈtɑːrtsɛf
    return "".join(s for s, _ in sounds[:at]) + "ˈ" + "".join(s for s, _ in sounds[at:])


# -- respelling -------------------------------------------------------------------------------------------------

_SPELL = {
    "ɑː": "ah", "ɐ": "uh", "ə": "uh", "ɪ": "ih", "i": "ee", "iː": "ee", "ɛ": "eh", "eɪ": "ay", "oʊ": "oh",
    "ɔː": "aw", "uː": "oo", "ʊ": "oo", "aɪ": "eye", "ɔɪ": "oy",
    "ʒ": "zh", "x": "kh", "ts": "ts", "tʃ": "ch", "ʃ": "sh", "ʃtʃ": "shch", "j": "y", "ɡ": "g",
}  # fmt: skip


def respell(word: str, stressed: int) -> str:
    """A plain respelling, stressed syllable in capitals: Кутузов -> koo-TOO-zuhf."""
    sounds = _phonemes(word, stressed)
    syllables: list[list[str]] = []
    loud: list[bool] = []
    pending_onset: list[str] = []
    for sound, kind in sounds:
        if kind == "C":
            pending_onset.append(_SPELL.get(sound, sound))
            continue
        if syllables and pending_onset:
            # the last consonant before a vowel starts its syllable; the rest close the one before
            syllables[-1].extend(pending_onset[:-1])
            pending_onset = pending_onset[-1:]
        syllables.append([*pending_onset, _SPELL.get(sound, sound)])
        loud.append(kind == "S")
        pending_onset = []
    if not syllables:
        return word
    syllables[-1].extend(pending_onset)
    parts = ["".join(s).upper() if big else "".join(s) for s, big in zip(syllables, loud, strict=True)]
    return "-".join(parts)
