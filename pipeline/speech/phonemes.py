"""IPA to eSpeak NG's English phoneme mnemonics (for [[...]] input), and back, for the lexicon and its checks.

In: IPA written with English phonemes (General American or RP symbols). Out: mnemonics of eSpeak NG's `en`
phoneme table (espeak-ng docs/languages/gmw/en.md), each stress mark just before its vowel, where eSpeak
itself writes it, so what we hand over is exactly what `text_to_phonemes` echoes back.
"""

from __future__ import annotations

import unicodedata

PRIMARY = "ˈ"
SECONDARY = "ˌ"

# IPA -> eSpeak en mnemonic. Several IPA spellings of one English phoneme share a mnemonic
# (ɹ/r, ɡ/g, ɫ/l, ɾ/t, ɑ/ɑː, ɔ/ɔː, ɝ/ɜː, əʊ/oʊ): `canonical` folds these aliases together.
# ɐ (eSpeak's a#) is a reduced vowel: under stress eSpeak says it æ.
_CONSONANTS = {
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "ɡ": "g", "g": "g",
    "f": "f", "v": "v", "θ": "T", "ð": "D", "s": "s", "z": "z", "ʃ": "S", "ʒ": "Z",
    "tʃ": "tS", "dʒ": "dZ", "m": "m", "n": "n", "ŋ": "N", "l": "l", "ɫ": "l",
    "r": "r", "ɹ": "r", "ɾ": "t", "w": "w", "j": "j", "h": "h", "x": "x", "ʔ": "?",
}  # fmt: skip
_VOWELS = {
    "ə": "@", "ɚ": "3", "ɜː": "3:", "ɝ": "3:", "æ": "a", "ɐ": "a#", "ɑː": "A:", "ɑ": "A:",
    "ɒ": "0", "ɛ": "E", "e": "e", "eɪ": "eI", "ɪ": "I", "i": "i", "iː": "i:", "ɔː": "O:",
    "ɔ": "O:", "ɔɪ": "OI", "oʊ": "oU", "əʊ": "oU", "ʊ": "U", "uː": "u:", "ʌ": "V",
    "aɪ": "aI", "aʊ": "aU", "ᵻ": "I#",
    # r-coloured vowels, eSpeak's own phonemes for START, NORTH, NEAR, SQUARE, CURE when no vowel follows
    "ɑːr": "A@", "ɔːr": "O@", "ɪər": "i@3", "ɛər": "e@", "ʊər": "U@",
}  # fmt: skip
_RHOTIC = {"ɑːr", "ɔːr", "ɪər", "ɛər", "ʊər"}
_IPA_TABLE = {**_CONSONANTS, **_VOWELS}
_KEY_LENGTHS = sorted({len(key) for key in _IPA_TABLE}, reverse=True)
_VOWEL_STARTS = {key[0] for key in _VOWELS}

# How eSpeak NG (en-us) reads each mnemonic we emit back as IPA (its ɹ written r).
_ESPEAK_TO_IPA = {
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "ɡ", "f": "f", "v": "v", "T": "θ",
    "D": "ð", "s": "s", "z": "z", "S": "ʃ", "Z": "ʒ", "tS": "tʃ", "dZ": "dʒ", "m": "m", "n": "n",
    "N": "ŋ", "l": "l", "r": "r", "w": "w", "j": "j", "h": "h", "x": "x", "?": "ʔ",
    "@": "ə", "3": "ɚ", "3:": "ɜː", "a": "æ", "a#": "ɐ", "A:": "ɑː", "0": "ɑː", "E": "ɛ", "e": "e",
    "eI": "eɪ", "I": "ɪ", "i": "i", "i:": "iː", "O:": "ɔː", "OI": "ɔɪ", "oU": "oʊ", "U": "ʊ",
    "u:": "uː", "V": "ʌ", "aI": "aɪ", "aU": "aʊ", "I#": "ᵻ",
    "A@": "ɑːr", "O@": "ɔːr", "i@3": "ɪr", "e@": "ɛr", "U@": "ʊr",
    ";": "",  # eSpeak's own link between two vowels in hiatus (s,i:;'aI); its IPA shows nothing for it
}  # fmt: skip
_ESPEAK_KEYS = sorted(_ESPEAK_TO_IPA, key=len, reverse=True)

# Every multi-character mnemonic of eSpeak NG's base1, en and en-us phoneme tables (read from phontab):
# two of ours written side by side must not spell one of these, or eSpeak reads them as that phoneme.
_MULTI = (
    "#@ #X1 #a #e #i #o #u ** 0# 02 3: @# @- @2 @5 @L A# A: A@ A~ E# E2 I# I2 I2# IR J^ L/ N- O2 O: O@ OI "
    'O~ Q" Q^ R2 R3 S; U@ VR Z; a# a#2 a2 aI aI3 aI@ aU aU@ aa d# dZ dZ; d[ e# e: e@ eI i: i@ i@3 l# l- l. '
    'l/ l^ m- n- n. n^ o: o@ oU oU# r" r- r. r/ s. s; t# t2 tS tS; t[ u: v# w# z# z. z; ||'
).split()

# Symbols people reach for that have no English phoneme, and what to write instead.
_HINTS = {
    "'": "write the stress mark ˈ (U+02C8), not an apostrophe",
    ",": "write the secondary stress mark ˌ (U+02CC), not a comma",
    "o": "English has no plain o: write oʊ (as in 'go') or ɔː (as in 'law')",
    "u": "write uː (as in 'food') or ʊ (as in 'foot')",
    "a": "write ɑː (as in 'father'), æ (as in 'cat') or aɪ/aʊ",
    "y": "the French/German y has no English phoneme: write uː or juː",
    "ɨ": "write ɪ or i",
    "ʁ": "write r",
    "ʀ": "write r",
    "ʲ": "write j for a soft consonant (ˈrjuːtɪn), or leave it out",
    "\u0303": "English has no nasal vowels: write the vowel plus n (tɑ̃ -> tɑːn)",
}


def _prepare(ipa: str) -> str:
    # NFD splits a nasal vowel into vowel + U+0303, so it reaches the "no such phoneme" error with a hint.
    text = unicodedata.normalize("NFD", ipa.strip())
    text = text.replace("\u0361", "").replace("\u035c", "")  # tie bars: t͡ʃ is tʃ
    text = text.replace(":", "ː").replace("ɝː", "ɝ")  # a colon for length is a common typing shortcut
    return " ".join(text.split())


def _next_sound(text: str, i: int) -> str:
    while i < len(text) and text[i] in (PRIMARY, SECONDARY, "."):
        i += 1
    return text[i : i + 1]


def _tokens(ipa: str) -> list[str]:
    """Split IPA into phonemes, stress marks and word spaces; ValueError names the first unknown symbol."""
    text = _prepare(ipa)
    tokens: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in (PRIMARY, SECONDARY, " "):
            tokens.append(ch)
            i += 1
            continue
        if ch == ".":  # a syllable break: eSpeak finds syllables itself
            i += 1
            continue
        for size in _KEY_LENGTHS:  # longest first, by dictionary lookup: fast on a big lexicon
            key = text[i : i + size]
            if key not in _IPA_TABLE:
                continue
            after = text[i + len(key) : i + len(key) + 1]
            if key in _RHOTIC and _next_sound(text, i + len(key)) in _VOWEL_STARTS:
                continue  # the r starts the next syllable: plain vowel, then r
            if after in ("ː", "\u0303"):
                continue  # only a longer key may take the length mark; a nasal vowel is an error
            tokens.append(key)
            i += len(key)
            break
        else:
            symbol = ch + text[i + 1] if text[i + 1 : i + 2] in ("ː", "\u0303") else ch
            name = unicodedata.name(symbol[-1], "?").lower()
            hint = _HINTS.get(symbol[-1]) or _HINTS.get(ch)
            message = f"no eSpeak NG English phoneme for {symbol!r} ({name}) in {ipa!r}"
            raise ValueError(f"{message}: {hint}" if hint else message)
    return tokens


def _joins(previous: str, mnemonic: str) -> bool:
    """Would eSpeak read `previous` followed by `mnemonic` as some other, longer phoneme?"""
    for k in range(1, len(previous) + 1):
        tail = previous[-k:]
        for multi in _MULTI:
            if len(multi) > k and multi.startswith(tail) and mnemonic.startswith(multi[k:]):
                return True
    return False


def ipa_to_espeak(ipa: str) -> str:
    """The eSpeak NG en mnemonics for `ipa` (without [[ ]]); ValueError names a symbol it cannot map.

    A stress mark written before a syllable's onset (IPA style, ˈnoʊ) moves to just before its vowel
    (eSpeak style, n'oU). A stress mark with no vowel after it in its word is an error.
    """
    out: list[str] = []
    pending = ""
    for token in _tokens(ipa):
        if token in (PRIMARY, SECONDARY):
            if pending:
                raise ValueError(f"two stress marks on one syllable in {ipa!r}")
            pending = "'" if token == PRIMARY else ","
            continue
        if token == " ":
            if pending:
                raise ValueError(f"a stress mark with no vowel after it in {ipa!r}")
            out.append(" ")
            continue
        mnemonic = _IPA_TABLE[token]
        if token in _VOWELS and pending:
            out.append(pending)
            pending = ""
        elif out and out[-1] not in (" ", "'", ",") and _joins(out[-1], mnemonic):
            out.append("|")  # eSpeak's separator: a+I is two vowels, not the diphthong aI
        out.append(mnemonic)
    if pending:
        raise ValueError(f"a stress mark with no vowel after it in {ipa!r}")
    return "".join(out)


def espeak_to_ipa(mnemonics: str) -> str:
    """Read mnemonics back as IPA, stress marks before the vowel as eSpeak prints them (ValueError if unknown)."""
    out: list[str] = []
    i = 0
    while i < len(mnemonics):
        ch = mnemonics[i]
        if ch in "',":
            out.append(PRIMARY if ch == "'" else SECONDARY)
        elif ch in " _":  # word break or pause
            if out and out[-1] != " ":
                out.append(" ")
        elif ch not in "%|=":  # unstressed mark, separator, stress-on-previous: no sound of their own
            key = next((k for k in _ESPEAK_KEYS if mnemonics.startswith(k, i)), None)
            if key is None:
                raise ValueError(f"unknown eSpeak NG mnemonic at {mnemonics[i:]!r}")
            out.append(_ESPEAK_TO_IPA[key])
            i += len(key)
            continue
        i += 1
    return "".join(out).strip()


def canonical(ipa: str) -> str:
    """`ipa` under the documented normalisation, for comparing two pronunciations of the same thing.

    Aliases of one English phoneme are folded (ɹ=r, ɡ=g, ɫ=l, ɑ=ɑː, ɒ=ɑː as en-us says it, ɔ=ɔː, ɝ=ɜː,
    əʊ=oʊ, and the flap ɾ=t, which en-us makes of t between vowels by itself), r-coloured vowels are spelled vowel+r, tie bars and syllable dots go, and every stress mark
    sits just before its vowel. eSpeak's IPA readback (text_to_phonemes(ipa=True)) is accepted as input;
    its en-us r-colouring of a schwa before r (ɚr, from @r) counts as ər.
    """
    return espeak_to_ipa(ipa_to_espeak(ipa)).replace("ɚr", "ər")


def stress_pattern(ipa: str) -> tuple[str, ...]:
    """Per word, one character per syllable: '1' primary stress, '2' secondary, '0' none.

    Takes IPA style (mark before the onset) and eSpeak's readback style (mark before the vowel) alike.
    """
    words: list[str] = []
    pattern: list[str] = []
    pending = "0"
    for token in [*_tokens(ipa), " "]:
        if token == " ":
            if pattern:
                words.append("".join(pattern))
            pattern, pending = [], "0"
        elif token in (PRIMARY, SECONDARY):
            pending = "1" if token == PRIMARY else "2"
        elif token in _VOWELS:
            pattern.append(pending)
            pending = "0"
    return tuple(words)
