from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.speech.phonemes import canonical, espeak_to_ipa, ipa_to_espeak, stress_pattern
from pipeline.voice.espeak import text_to_phonemes


@pytest.mark.parametrize(
    ("ipa", "mnemonics"),
    [
        ("zɪˈnoʊvjɛf", "zIn'oUvjEf"),  # the stress mark moves from before the onset to before the vowel
        ("ˈkɑːmɪnjɛf", "k'A:mInjEf"),
        ("bʊˈxɑːrɪn", "bUx'A:rIn"),  # r before a vowel: plain vowel, then r
        ("ˈvɑːrdɪn", "v'A@dIn"),  # r before a consonant: eSpeak's r-coloured START vowel
        ("bɑːrˈtuː", "bA@t'u:"),
        ("ˌjuːˌɛsˌɛsˈɑːr", "j,u:,Es,Es'A@"),
        ("ˈkʊrjɛr tsɔːˈdʒɛni", "k'UrjEr tsO:dZ'Eni"),  # two words
        ("ˈt͡ʃɛkə", "tS'Ek@"),  # tie bar
        ("ˈkiːrəf", "k'i:r@f"),
        ("ˈki:rəf", "k'i:r@f"),  # a colon for the length mark
        ("ˈkiː.rəf", "k'i:r@f"),  # a syllable dot
        ("ˈɹɑːɡə", "r'A:g@"),  # ɹ and ɡ are r and g
        ("ˈmæɪ", "m'a|I"),  # æ then ɪ is two vowels, not eSpeak's diphthong aI
        ("ˈmiə", "m'i|@"),
        ("ˌdʒiːˌpiːˈjuː", "dZ,i:p,i:j'u:"),
    ],
)
def test_ipa_to_espeak(ipa, mnemonics):
    assert ipa_to_espeak(ipa) == mnemonics


@pytest.mark.parametrize(
    ("ipa", "words"),
    [
        ("tɑ̃", ["'ɑ̃'", "nasal vowels", "tɑːn"]),
        ("ˈkyr", ["'y'", "uː"]),
        ("ˈko", ["'o'", "oʊ"]),
        ("k'ɑːr", ["apostrophe", "ˈ (U+02C8)"]),
        ("ˈkʁa", ["'ʁ'", "write r"]),
        ("ˈrʲuːtɪn", ["'ʲ'", "ˈrjuːtɪn"]),
        ("ˈsːɑː", ["'sː'"]),
        ("kɪˈ", ["stress mark with no vowel"]),
        ("ˈˌkɪ", ["two stress marks"]),
    ],
)
def test_unmappable_ipa_is_refused_by_name(ipa, words):
    with pytest.raises(ValueError) as info:
        ipa_to_espeak(ipa)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("ipa", "expected"),
    [
        ("zɪˈnoʊvjɛf", "zɪnˈoʊvjɛf"),
        ("ˈtrɒtski", "trˈɑːtski"),  # en-us says the LOT vowel ɑː
        ("ˈɹəʊɡ", "rˈoʊɡ"),
        ("ˈvɑːrdɪn", "vˈɑːrdɪn"),
        ("fjˈɔːdɚɹəf", "fjˈɔːdərəf"),  # eSpeak's readback of ˈfjɔːdərəf: r-coloured schwa before r
        ("kˈiːɾə", "kˈiːtə"),  # a flapped t
    ],
)
def test_canonical_is_the_documented_normalisation(ipa, expected):
    assert canonical(ipa) == expected


def test_espeak_to_ipa_reads_back_our_mnemonics():
    assert espeak_to_ipa("zIn'oUvjEf") == "zɪnˈoʊvjɛf"
    assert espeak_to_ipa("s,i:;'aI") == "sˌiːˈaɪ"  # eSpeak's hiatus link ; has no sound
    assert espeak_to_ipa("m'a|I") == "mˈæɪ"
    with pytest.raises(ValueError, match="unknown eSpeak NG mnemonic"):
        espeak_to_ipa("k'Q^")


@pytest.mark.parametrize(
    ("ipa", "pattern"),
    [
        ("zɪˈnoʊvjɛf", ("010",)),
        ("ˌjuːˌɛsˌɛsˈɑːr", ("2221",)),
        ("ˈkʊrjɛr tsɔːˈdʒɛni", ("10", "010")),
        ("kˈɑːmɪnjɛf", ("100",)),  # eSpeak's style: the mark before the vowel
        ("ˈpɒlɪtbjʊroʊ", ("1000",)),
    ],
)
def test_stress_pattern(ipa, pattern):
    assert stress_pattern(ipa) == pattern


# Every IPA symbol the converter accepts, checked against eSpeak NG itself: fed as [[...]] between other
# sounds, eSpeak reads it back as the same sound. This is what makes the reverse table trustworthy.
CONSONANTS = "p b t d k ɡ f v θ ð s z ʃ ʒ tʃ dʒ m n ŋ l r w j h x".split()
VOWELS = "ə ɚ ɜː æ ɐ ɑː ɒ ɛ e eɪ ɪ i iː ɔː ɔɪ oʊ ʊ uː ʌ aɪ aʊ ɑːr ɔːr ɛər ʊər".split()


@pytest.mark.parametrize("symbol", CONSONANTS + VOWELS)
def test_espeak_says_each_symbol_as_we_read_it_back(symbol):
    ipa = f"ˈbɑː{symbol}ə" if symbol in CONSONANTS else f"bˈ{symbol}b"
    if symbol == "ɐ":  # a reduced vowel: eSpeak says it æ under stress
        ipa = "ˈbɑːbɐb"
    said = text_to_phonemes(f"[[{ipa_to_espeak(ipa)}]]", ipa=True)
    assert canonical(said) == canonical(ipa)


ALIASES = ["ɹ", "g", "ɫ", "ɾ", "ɑ", "ɔ", "ɝ", "əʊ", "ᵻ", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CONSONANTS + VOWELS + ALIASES), min_size=1, max_size=12), st.data())
def test_any_valid_ipa_converts_and_reads_back_stably(tokens, data):
    vowels = [i for i, token in enumerate(tokens) if token in VOWELS]
    if vowels:
        tokens.insert(data.draw(st.sampled_from(vowels)), "ˈ")
    ipa = "".join(tokens)
    # Written side by side, ʊ+ə, ɪ+ə, ɛ+ə and e+ə spell IPA's centring diphthongs (tour, near, square): the
    # string itself then says one syllable, so "the same syllables" cannot be asked of it.
    assume(not any(d in ipa.replace("ˈ", "") for d in ("ʊə", "ɪə", "ɛə", "eə")))
    ipa_to_espeak(ipa)  # never raises on valid symbols
    once = canonical(ipa)
    assert canonical(once) == once
    # Same syllables and stresses after the round trip: no two mnemonics ran together into a third.
    assert stress_pattern(once) == stress_pattern(ipa)
