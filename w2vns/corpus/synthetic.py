"""Synthetic English-like corpora with planted structure, for the demo and for tests.

The project may not download text, so this module writes its own: sentences are filled in
from hand-written templates over about two dozen word groups (animals, colours, countries,
capitals, languages, numbers, people, fruits, vehicles, days, months, ...).  Every group has
templates of its own, with context words that only that group uses ("barn", "fur" for animals;
"painted", "shade" for colours), so skip-gram training puts the words of one group close
together: that is the structure a test or the demo can check with :func:`planted_groups`.

A few relations are planted as consistent offsets, so that analogy questions can be answered
(see :func:`planted_analogies` and :func:`analogy_questions`):

* country : capital : language (``france paris french``), aligned by index in sentences such
  as "paris is the capital of france" and "people in france speak french";
* male : female (``king queen``, ``man woman``), through he/his versus she/her contexts, plus
  a place each pair shares ("the king and the queen stayed in the kingdom");
* singular : plural (``dog dogs``), through is/are and "a" versus "many", plus a home each
  pair shares ("the dogs live in the kennel");
* present : past (``walk walked``), through "every day" versus "yesterday", plus an object
  each pair shares ("yesterday we all walked to the village").

In every relation the difference between the two sides comes from role contexts common to
all pairs, and the link between the two words of one pair from contexts only that pair has.

Frequencies are Zipf-like: topics, the words of each group, a filler vocabulary of adjectives
and nouns, and a long tail of invented names are all drawn from Zipf laws.  The most common
words are function words ("the" is about 10% of tokens), which is what sub-sampling is for,
and most word types occur fewer than five times, which is what ``min_count`` is for.

Everything is deterministic from ``seed``: the only source of randomness is one
``random.Random(seed)``, and only its ``random()`` method is used (never ``choice``, ``randrange``
or ``shuffle``), because CPython keeps ``random()`` stable across versions for a given seed while
the other helpers have changed their algorithms before.  Output is lower case, one sentence per
line, tokens separated by single spaces, no punctuation.
"""
import bisect
import itertools
import math
import os
import random
import re

from ..io import compression
from ..io.atomic import atomic_output

__all__ = [
    "generate_corpus", "iter_corpus", "write_corpus", "planted_groups", "planted_analogies",
    "analogy_questions", "write_analogy_questions", "check_tables", "DEMO_N_SENTENCES",
    "DEMO_SEED", "SMALL_N_SENTENCES", "generate_sessions", "session_item_cluster",
]

# The shipped demo corpus (w2vns/data/demo.txt.gz, made by scripts/make_demo_corpus.py) is
# write_corpus(path, DEMO_N_SENTENCES, DEMO_SEED): about 2.7 MB of text, 526k tokens.
DEMO_N_SENTENCES = 30000
DEMO_SEED = 0
# A corpus size for training tests: about 175k tokens, on which one-thread gensim skip-gram
# (dim 50, window 5, 5 negatives, 5 epochs, min_count 5) trains in a few seconds and puts
# nearly every planted word's five nearest neighbours in its own group.
SMALL_N_SENTENCES = 10000

# --------------------------------------------------------------------------------------------
# Word lists.  Lists in one tuple of _FAMILIES are aligned by index (france/paris/french), and
# each list is ordered by intended frequency: the first word is the most common one.
# --------------------------------------------------------------------------------------------

_LISTS = {
    "animals": "dog cat horse cow pig rabbit goat mouse lion tiger bear wolf fox duck chicken "
               "monkey",
    "animal_plurals": "dogs cats horses cows pigs rabbits goats mice lions tigers bears wolves "
                      "foxes ducks chickens monkeys",
    # animal_homes[i] goes with animals[i] (and verb_objects[i] with verbs_present[i]): a
    # context that "dog" and "dogs" (or "walk" and "walked") share and other pairs do not, which
    # helps "dog : dogs :: cat : ?" find "cats".  "_" joins the words of one item.
    "animal_homes": "kennel basket stable shed sty hutch pen hole den jungle cave woods burrow "
                    "pond coop treetops",
    "colours": "red blue green yellow black white brown pink purple grey violet crimson",
    "countries": "france germany italy spain japan china russia greece portugal poland sweden "
                 "turkey hungary finland norway denmark",
    "capitals": "paris berlin rome madrid tokyo beijing moscow athens lisbon warsaw stockholm "
                "ankara budapest helsinki oslo copenhagen",
    "languages": "french german italian spanish japanese chinese russian greek portuguese polish "
                 "swedish turkish hungarian finnish norwegian danish",
    "numbers": "one two three four five six seven eight nine ten eleven twelve twenty hundred "
               "thousand",
    # male[i] and female[i] are a pair (king/queen); together they make the planted "people".
    "male": "man boy father son brother husband uncle king prince",
    "female": "woman girl mother daughter sister wife aunt queen princess",
    # A place that each male/female pair shares ("king" and "queen" in the kingdom), so that
    # the pair, not just the gender, is recoverable: king - man + woman should give queen.
    "person_places": "the_street the_playground the_family_home the_nursery the_garden_shed "
                     "the_wedding_hall the_cousins_house the_kingdom the_castle",
    "fruits": "apple banana cherry grape lemon mango peach pear plum strawberry melon pineapple "
              "apricot kiwi lime",
    "vegetables": "potato carrot onion tomato cabbage lettuce spinach pepper garlic broccoli "
                  "cucumber celery pumpkin radish",
    "vehicles": "car bus train truck bicycle taxi motorcycle boat plane ship van tram helicopter "
                "scooter tractor",
    "professions": "teacher doctor nurse lawyer engineer farmer baker pilot chef dentist plumber "
                   "carpenter artist writer soldier judge",
    "verbs_present": "walk run sing swim jump dance climb write draw play cook think laugh cry "
                     "throw teach",
    "verbs_past": "walked ran sang swam jumped danced climbed wrote drew played cooked thought "
                  "laughed cried threw taught",
    "verb_objects": "to_the_village around_the_track a_song in_the_lake over_the_fence "
                    "at_the_ball up_the_hill a_letter a_picture a_game some_dinner "
                    "about_the_future at_the_joke at_the_film the_stone the_class",
    "days": "monday tuesday wednesday thursday friday saturday sunday",
    "months": "january february march april may june july august september october november "
              "december",
    "body": "head hand foot arm leg eye ear nose mouth finger knee shoulder neck tooth elbow ankle",
    "clothing": "shirt hat coat dress jacket shoe skirt sock glove scarf sweater trousers boot "
                "belt",
    "instruments": "piano guitar violin drum flute trumpet cello harp saxophone clarinet organ "
                   "banjo",
    "sports": "football tennis golf cricket baseball basketball hockey rugby volleyball boxing "
              "badminton",
    "weather": "rain snow wind fog storm sunshine thunder hail frost drizzle",
    "furniture": "table chair bed sofa desk shelf lamp cupboard wardrobe bench stool mirror",
    "emotions": "happy sad angry afraid tired excited bored proud nervous calm lonely worried",
    "drinks": "tea coffee milk wine beer lemonade cocoa soda cider whisky",
    "planets": "mercury venus earth mars jupiter saturn uranus neptune",
    # Not planted: fillers for openers and closers shared by every topic.  They carry no group
    # signal, and their Zipf-distributed mid and low frequencies fill the rank-frequency curve
    # between the planted words and the rare names, as a real vocabulary would.
    "adj": "big little large strange quiet famous simple early dark warm short quick slow loud "
           "hard easy cheap rich poor modern ancient distant local foreign public private "
           "secret special ordinary usual rare common serious funny silly clever wise gentle "
           "brave polite honest lucky strong weak healthy huge tiny pleasant lovely ugly plain "
           "fancy shiny rough smooth deep shallow thin tall broad steep flat round square "
           "hollow solid narrow wide empty clean dirty wet dry loose tight curious careful "
           "careless elegant humble noble odd proper real rapid remote royal rural urban sudden "
           "vast vivid woollen",
    "thing": "bridge river mountain valley island beach harbour tower door window newspaper "
             "photograph question answer problem idea dream journey trip lunch lesson box bag "
             "key ring coin ticket map clock watch bell candle rope ladder bucket blanket "
             "pillow carpet curtain envelope parcel pencil notebook umbrella wallet purse "
             "suitcase diary calendar poster statue fountain garage cellar attic balcony "
             "chimney gate hedge path pavement tunnel well mill factory warehouse workshop "
             "studio theatre cinema cafe restaurant hotel hostel prison temple palace monument "
             "cathedral chapel cottage cabin tent raft canoe sled wagon cart",
}
_LISTS = {name: tuple(item.replace("_", " ") for item in words.split())
          for name, words in _LISTS.items()}

# Lists whose index is drawn once per clause: "{capitals} is the capital of {countries}" always
# pairs paris with france.  That is how the analogy offsets are planted.
_FAMILIES = (
    ("countries", "capitals", "languages"),
    ("animals", "animal_plurals", "animal_homes"),
    ("verbs_present", "verbs_past", "verb_objects"),
    ("male", "female", "person_places"),
)

# The groups a trained model should recover, as unions of the lists above.
_GROUPS = {
    "animals": ("animals",),
    "animal_plurals": ("animal_plurals",),
    "colours": ("colours",),
    "countries": ("countries",),
    "capitals": ("capitals",),
    "languages": ("languages",),
    "numbers": ("numbers",),
    "people": ("male", "female"),
    "fruits": ("fruits",),
    "vegetables": ("vegetables",),
    "vehicles": ("vehicles",),
    "professions": ("professions",),
    "verbs_present": ("verbs_present",),
    "verbs_past": ("verbs_past",),
    "days": ("days",),
    "months": ("months",),
    "body": ("body",),
    "clothing": ("clothing",),
    "instruments": ("instruments",),
    "sports": ("sports",),
    "weather": ("weather",),
    "furniture": ("furniture",),
    "emotions": ("emotions",),
    "drinks": ("drinks",),
    "planets": ("planets",),
}

# --------------------------------------------------------------------------------------------
# Templates, by topic.  A slot is {list}, {list#2} (another index of the same family, so
# "{vehicles} ... {vehicles#2}" names two different vehicles) or {list+1} (the next index, for
# "tuesday comes after monday").  Literal words must not be planted words (checked by
# check_tables), or they would blur the groups; most topics use context words of their own so
# that the group's words share contexts with each other and with little else.
# --------------------------------------------------------------------------------------------

_TOPICS = {
    "animals": [
        "the {animals} slept in the barn all night",
        "a hungry {animals} was looking for food near the farm",
        "we fed the {animals} and the {animals#2} before breakfast",
        "we saw a wild {animals} at the zoo",
        "the {animals} has soft fur and a long tail",
        "my grandfather kept a {animals} in the barn",
        "the vet examined the sick {animals}",
        "a {animals} chased a {animals#2} across the meadow",
        "the {animals} is hungry but the {animal_plurals} are asleep",
        "a single {animals} and many {animal_plurals} lived on the farm",
        "{animal_plurals} and {animal_plurals#2} were grazing in the meadow",
        "there are many {animal_plurals} in the forest",
        "the {animal_plurals} are hungry and the {animals} is asleep",
        "{numbers} {animal_plurals} live on the farm near the barn",
        "wild {animal_plurals} have thick fur and sharp claws",
        "the {animals} lives in the {animal_homes}",
        "the {animal_plurals} live in the {animal_homes}",
        "at night a {animals} sleeps in its {animal_homes}",
        "at night the {animal_plurals} sleep in their {animal_homes}",
    ],
    "colours": [
        "she painted the kitchen wall {colours}",
        "his favourite colour is {colours} not {colours#2}",
        "the sky turned {colours} and {colours#2} at sunset",
        "she chose a bright {colours} shade of paint",
        "mix {colours} and {colours#2} paint to get a darker shade",
        "the flag of the club is {colours} and {colours#2}",
        "the walls were painted a pale shade of {colours}",
        "she wore a {colours} {clothing} to the party",
        "the {colours} {vehicles} was parked outside",
        "which colour do you prefer {colours} or {colours#2}",
    ],
    "countries": [
        "{capitals} is the capital of {countries}",
        "the government of {countries} announced a new plan",
        "{countries} shares a border with {countries#2}",
        "the economy of {countries} grew last year",
        "{countries} is a country where people speak {languages}",
        "the nation of {countries} has a long history",
        "the president of {countries} met the president of {countries#2}",
        "we travelled across {countries} by {vehicles}",
        "{countries} is governed from its capital {capitals}",
    ],
    "capitals": [
        "{capitals} is the largest city in {countries}",
        "the mayor of {capitals} opened a new museum",
        "we visited {capitals} and then {capitals#2}",
        "she lived in {capitals} for many years",
        "the streets of {capitals} were busy today",
        "the capital of {countries} is {capitals}",
        "in {capitals} most people speak {languages}",
        "the road from {capitals} to {capitals#2} was long",
        "a {languages} speaker from {capitals} in {countries}",
        "the old quarter of {capitals} is the heart of {countries}",
    ],
    "languages": [
        "people in {countries} speak {languages}",
        "she is learning to speak {languages}",
        "he speaks fluent {languages} and {languages#2}",
        "the book was translated from {languages} into {languages#2}",
        "{languages} is the official language of {countries}",
        "the grammar of {languages} is very difficult",
        "the {languages} language is spoken in {countries}",
    ],
    "numbers": [
        "she counted from {numbers} to {numbers#2}",
        "there were {numbers} {animal_plurals} in the meadow",
        "he waited {numbers} hours for the {vehicles}",
        "the class has {numbers} students this year",
        "{numbers} times {numbers#2} is a bigger number",
        "the number {numbers+1} comes after {numbers}",
        "{numbers} plus {numbers#2} equals a larger number",
        "turn to page {numbers} of the book",
        "{numbers} and {numbers#2} are both small numbers",
    ],
    "people": [
        "the {male} said that he was busy",
        "the {female} said that she was busy",
        "the {male} and the {female} went home together",
        "he is a good {male} and a kind {male#2}",
        "she is a good {female} and a kind {female#2}",
        "the old {male} told his long story",
        "the old {female} told her long story",
        "the {male} lost his keys again",
        "the {female} lost her keys again",
        "his {male} and her {female} met at the wedding",
        "the {male} went to {person_places} on his own",
        "the {female} went to {person_places} on her own",
        "the {male} and the {female} stayed in {person_places}",
    ],
    "fruits": [
        "she ate a ripe {fruits} for breakfast",
        "the {fruits} tree in the orchard is old",
        "a basket of fresh {fruits} and {fruits#2}",
        "he peeled the {fruits} with a knife",
        "this {fruits} is very sweet and juicy",
        "she made {fruits} jam for the winter",
        "the {fruits} was sliced into pieces",
        "we picked {fruits} and {fruits#2} in the orchard",
    ],
    "vegetables": [
        "she chopped the {vegetables} for the soup",
        "he grows {vegetables} and {vegetables#2} in his garden",
        "he boiled the {vegetables} with salt",
        "a salad of {vegetables} and {vegetables#2}",
        "the {vegetables} soup was delicious",
        "we planted {vegetables} seeds in the garden",
        "the kitchen smelled of roasted {vegetables}",
    ],
    "vehicles": [
        "he drove the {vehicles} to town",
        "we took the {vehicles} to the station",
        "the engine of the {vehicles} broke down",
        "she parked the {vehicles} next to the {vehicles#2}",
        "the driver of the {vehicles} was in a hurry",
        "travelling by {vehicles} is faster than by {vehicles#2}",
        "the {vehicles} had no fuel left",
        "the passengers got off the {vehicles}",
    ],
    "professions": [
        "my {male} works as a {professions}",
        "she wants to become a {professions} soon",
        "the {professions} has a difficult job",
        "he was hired as a {professions} last year",
        "the {professions} and the {professions#2} earn a good salary",
        "after years of training she became a {professions}",
        "you should ask the {professions} for advice",
        "the {professions} retired after a long career",
    ],
    "verbs": [
        "every day i {verbs_present} in the morning",
        "yesterday we {verbs_past} all afternoon",
        "they usually {verbs_present} together after school",
        "last week she {verbs_past} with her friends",
        "i like to {verbs_present} and {verbs_present#2}",
        "he {verbs_past} and {verbs_past#2} until midnight",
        "today i {verbs_present} but yesterday i {verbs_past}",
        "children often {verbs_present} in the park",
        "long ago they {verbs_past} every evening",
        "we {verbs_present} now and we {verbs_past} before",
        "every day i {verbs_present} {verb_objects}",
        "yesterday we all {verbs_past} {verb_objects}",
        "they usually {verbs_present} {verb_objects} together",
        "last week she {verbs_past} {verb_objects}",
    ],
    "days": [
        "the next meeting is on {days}",
        "we will see you next {days}",
        "every {days} we go to the market",
        "the day after {days} is {days+1}",
        "the shop is closed on {days} and {days#2}",
        "on {days} morning she went to work",
        "{days+1} always comes after {days}",
    ],
    "months": [
        "her birthday is in {months}",
        "it often snows in {months}",
        "the festival takes place every {months}",
        "he was born in {months}",
        "{months+1} always comes after {months}",
        "the school year starts in {months}",
        "we went on holiday in {months} and {months#2}",
    ],
    "body": [
        "my {body} hurts a lot",
        "he injured his {body} while playing",
        "she washed her {body} and her {body#2}",
        "the medic examined his {body}",
        "he felt a sharp pain in the {body}",
        "he broke his {body} last winter",
        "the {body} is connected to the {body#2}",
    ],
    "clothing": [
        "she wore a {clothing} to the party",
        "he bought a new {clothing} and a {clothing#2}",
        "this {clothing} is too small for me",
        "put on your {clothing} because it is cold outside",
        "the {clothing} was made of wool",
        "he ironed his {clothing} before work",
    ],
    "instruments": [
        "she practises the {instruments} every evening",
        "he took {instruments} lessons as a child",
        "the {instruments} player in the band was late",
        "the orchestra needs a new {instruments}",
        "a beautiful melody on the {instruments} and the {instruments#2}",
        "the concert featured the {instruments}",
    ],
    "sports": [
        "our team won the {sports} match",
        "he watches {sports} on television",
        "the {sports} season starts next month",
        "she is good at {sports} and {sports#2}",
        "the {sports} league final was exciting",
        "the coach of the {sports} team shouted",
    ],
    "weather": [
        "the forecast says {weather} tomorrow",
        "heavy {weather} is expected tonight",
        "we stayed inside because of the {weather}",
        "the {weather} and the {weather#2} lasted all day",
        "after the {weather} the sky was clear",
    ],
    "furniture": [
        "she sat on the {furniture} in the living room",
        "we moved the {furniture} into the bedroom",
        "the wooden {furniture} next to the {furniture#2}",
        "he bought a new {furniture} for the bedroom",
        "please put the books on the {furniture}",
    ],
    "emotions": [
        "she felt {emotions} after the news",
        "he seemed {emotions} and {emotions#2}",
        "i am so {emotions} this evening",
        "they were very {emotions} about it",
        "the child looked {emotions} all day",
    ],
    "drinks": [
        "would you like a cup of {drinks}",
        "he poured a glass of {drinks}",
        "she drank {drinks} with breakfast",
        "a bottle of {drinks} and a bottle of {drinks#2}",
        "hot {drinks} on a cold evening",
    ],
    "planets": [
        "the planet {planets} orbits the sun",
        "astronomers observed {planets} through a telescope",
        "the planet {planets} is larger than {planets#2}",
        "a spacecraft flew past {planets} last year",
    ],
}

# Clause openers and joiners carry no group signal; they make sentences longer and more varied
# and add the function words ("that", "and", "because") that sub-sampling should thin out.
_OPENERS = [
    "{name} said that",
    "according to {name}",
    "my friend {name} told me that",
    "i believe that",
    "it is true that",
    "in the {adj} story",
    "on a {adj} {adj#2} evening",
    "near the {adj} {thing}",
    "as {name} and {name#2} noticed",
]
_CLOSERS = [
    "said {name}",
    "near the {adj} {thing}",
    "with {name} and {name#2}",
    "behind the {adj} {thing}",
    "for a {adj} reason",
    "in the {thing} of {name}",
]
_JOINERS = ["and", "but", "because", "so", "while", "and then", "although"]

_SLOT = re.compile(r"\{([a-z_]+)(#2|\+1)?\}")


def _zipf_cum(n, s, q=1.0):
    """Cumulative weights of a Zipf-Mandelbrot law 1/(rank+q)^s over n ranks."""
    return list(itertools.accumulate(1.0 / (rank + q) ** s for rank in range(n)))


def _pick(rng, cum):
    """Draw an index from cumulative weights using only rng.random() (see module docstring)."""
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _normal(rng):
    """A standard normal draw from two rng.random() calls (Box-Muller; see module docstring)."""
    return math.sqrt(-2.0 * math.log(1.0 - rng.random())) * math.cos(2.0 * math.pi * rng.random())


def _make_names(count=4000):
    """Invented proper names ("belisa", "tomar") for the rare tail of the vocabulary.

    Built from syllables in a fixed order, so the inventory does not depend on the seed.  Drawn
    from a Zipf law over thousands of names, a few are common and most occur once or twice:
    that long tail is what makes ``min_count`` matter.
    """
    onsets = "b d f g k l m n p r s t v z br tr".split()
    vowels = "a e i o u".split()
    codas = ["", "n", "r", "s", "l"]
    syllables = [o + v for o in onsets for v in vowels]  # 80 syllables
    # Skip real words the tables use ("takes", "lives"): a name must be nothing but a name.
    taken = {w for words in _LISTS.values() for item in words for w in item.split()}
    for template in itertools.chain(_OPENERS, _CLOSERS, _JOINERS, *_TOPICS.values()):
        taken.update(template.split())
    names, seen = [], set()
    # Walk the syllable pairs with a stride coprime to their number, so that consecutive
    # (hence similarly frequent) names look different rather than "baba", "babe", "babi".
    n_pairs = len(syllables) ** 2
    for k in range(n_pairs * len(codas)):
        pair = (k * 2477) % n_pairs
        name = syllables[pair // len(syllables)] + syllables[pair % len(syllables)] \
            + codas[k % len(codas)]
        if name not in seen and name not in taken:
            seen.add(name)
            names.append(name)
            if len(names) == count:
                break
    return tuple(names)


_LISTS["name"] = _make_names()

# Frequency laws.  Topics and the words within a list get mild Zipf laws, because every planted
# word needs enough occurrences to be learnt even from a small corpus; fillers and names get
# the classic exponent 1, for a mid-frequency band and a long tail of rare words.  Topic order
# is frequency rank: the groups that carry analogies come first.
_TOPIC_NAMES = (
    "people", "animals", "verbs", "countries", "colours", "capitals", "languages", "numbers",
    "days", "months", "fruits", "vehicles", "professions", "body", "clothing", "vegetables",
    "sports", "weather", "instruments", "furniture", "emotions", "drinks", "planets",
)
_TOPIC_CUM = _zipf_cum(len(_TOPIC_NAMES), 0.7, 2.0)
_LIST_CUM = {name: _zipf_cum(len(words), 0.6, 1.0) for name, words in _LISTS.items()}
for _name in ("adj", "thing", "name"):
    _LIST_CUM[_name] = _zipf_cum(len(_LISTS[_name]), 1.0, 1.0)
_FAMILY_OF = {name: family for family in _FAMILIES for name in family}
# Parsed templates: a list of (literal, None, None) and (None, list_name, suffix) parts.
_PARSED = {}


def _parse(template):
    parsed = _PARSED.get(template)
    if parsed is None:
        parsed = []
        for token in template.split():
            m = _SLOT.fullmatch(token)
            parsed.append((None, m.group(1), m.group(2)) if m else (token, None, None))
        _PARSED[template] = parsed
    return parsed


def _fill(rng, template, out):
    """Append the words of one filled-in template to ``out``."""
    index = {}  # family key -> index, so aligned lists agree within the clause

    def draw(list_name, suffix):
        family = _FAMILY_OF.get(list_name, (list_name,))
        key = (family, suffix == "#2")
        if key not in index:
            n = len(_LISTS[list_name])
            i = _pick(rng, _LIST_CUM[list_name])
            if suffix == "#2":
                first = index.get((family, False))
                if first is not None:
                    # Any other index: shift by 1..n-1 so the two words always differ.
                    i = (first + 1 + _pick(rng, _LIST_CUM[list_name][: n - 1])) % n
            index[key] = i
        i = index[key]
        if suffix == "+1":
            i = (i + 1) % len(_LISTS[list_name])
        return _LISTS[list_name][i]

    # Draw plain slots before "#2" and "+1" ones, so "{days+1} comes after {days}" and
    # "{numbers#2} ... {numbers}" are related to the main word whatever their order.
    parts = _parse(template)
    words = [None] * len(parts)
    for order in (False, True):
        for k, (literal, list_name, suffix) in enumerate(parts):
            if literal is not None:
                words[k] = literal
            elif (suffix is not None) == order:
                words[k] = draw(list_name, suffix)
    # Items such as "to the village" are several tokens: split so that lengths count tokens.
    out.extend(" ".join(words).split())


def _sentence(rng, min_len, max_len):
    """One sentence: 1-6 clauses, mostly on one topic, joined by conjunctions."""
    # Target length: a geometric-like number of clauses gives many short sentences and a
    # tail of long ones, as in real text.
    n_clauses = 1
    while n_clauses < 6 and rng.random() < 0.55:
        n_clauses += 1
    topic = _TOPIC_NAMES[_pick(rng, _TOPIC_CUM)]
    words = []
    for c in range(n_clauses):
        clause = []
        if c > 0:
            clause.extend(_JOINERS[int(rng.random() * len(_JOINERS))].split())
            # Topics persist within a sentence most of the time: a paragraph about animals
            # mentions more animals.  That in-group co-occurrence is part of the signal.
            if rng.random() < 0.35:
                topic = _TOPIC_NAMES[_pick(rng, _TOPIC_CUM)]
        if rng.random() < 0.15:
            _fill(rng, _OPENERS[int(rng.random() * len(_OPENERS))], clause)
        templates = _TOPICS[topic]
        _fill(rng, templates[int(rng.random() * len(templates))], clause)
        if rng.random() < 0.15:
            _fill(rng, _CLOSERS[int(rng.random() * len(_CLOSERS))], clause)
        if c > 0 and len(words) + len(clause) > max_len:
            break
        words.extend(clause)
    # Templates have at least 5 words (check_tables), so this loop only runs for a caller's
    # larger min_len; the cut only for a max_len shorter than a template.
    while len(words) < min_len:
        words.append("and")
        _fill(rng, templates[int(rng.random() * len(templates))], words)
    return " ".join(words[:max_len])


def iter_corpus(n_sentences, seed=0, min_len=5, max_len=40):
    """Yield ``n_sentences`` lines of text (str, no newline), deterministic from ``seed``.

    Each line has between ``min_len`` and ``max_len`` space-separated lower-case tokens.
    """
    if min_len < 1 or max_len < min_len:
        raise ValueError("need 1 <= min_len <= max_len")
    rng = random.Random(seed)
    for _ in range(n_sentences):
        yield _sentence(rng, min_len, max_len)


def generate_corpus(n_sentences, seed=0, min_len=5, max_len=40):
    """Return ``n_sentences`` generated lines as a list of str; see :func:`iter_corpus`."""
    return list(iter_corpus(n_sentences, seed, min_len, max_len))


def generate_sessions(n_lines, mean_length, seed=0, n_items=2000, n_clusters=20, interests=3,
                      stay=0.6, explore=0.15, zipf=1.0, lengths="uniform", sigma=1.0,
                      min_length=20, max_length=750):
    """``n_lines`` item sessions in time order (lists of str) with planted clusters and a Zipf
    popularity skew, for recommendation tests and benchmarks; deterministic from ``seed``.

    Items are ``"c<cluster>_<rank>"``: the item of global popularity rank r (weight
    1/(r + 20)^zipf) is item r // n_clusters of cluster r % n_clusters, so every cluster holds
    popular and rare items.  Each line (a user) likes ``interests`` clusters, with unequal
    weights, and holds about ``mean_length`` distinct items (uniform in [mean/2, 3 mean/2], at
    least 2).  With ``lengths="lognormal"`` the lengths are heavy-tailed like rating histories
    (many short ones, a few very long): ``mean_length`` is then the median, the length
    ``median * exp(sigma * z)`` for a standard normal z, rounded and clipped to
    [``min_length``, ``max_length``] (a ratings data set keeps users with at least 20
    ratings, and its longest history is a few hundred).  Each next item is, with probability
    ``explore``, any item by popularity (what a popularity baseline predicts); otherwise an
    item of the previous item's cluster with probability ``stay`` (interests drift slowly, so
    recent items say most about the next one), else of one of the user's clusters; within a
    cluster, by popularity.  An item never repeats within a line (a rating history); a user
    who has seen all of a cluster's items draws from the whole catalogue.
    """
    if n_lines < 0 or mean_length < 2 or n_items < n_clusters or not 1 <= interests <= n_clusters:
        raise ValueError("need n_lines >= 0, mean_length >= 2, n_items >= n_clusters >= interests >= 1")
    if lengths not in ("uniform", "lognormal"):
        raise ValueError("lengths must be 'uniform' or 'lognormal' (got %r)" % (lengths,))
    if lengths == "lognormal" and not (sigma >= 0 and 2 <= min_length <= max_length):
        raise ValueError("need sigma >= 0 and 2 <= min_length <= max_length")
    rng = random.Random(seed)
    weight = [1.0 / (rank + 20.0) ** zipf for rank in range(n_items)]
    everything = list(itertools.accumulate(weight))
    members = [list(range(c, n_items, n_clusters)) for c in range(n_clusters)]
    within = [list(itertools.accumulate(weight[r] for r in ranks)) for ranks in members]
    lines = []
    for _ in range(n_lines):
        liked = []
        while len(liked) < interests:
            c = int(rng.random() * n_clusters)
            if c not in liked:
                liked.append(c)
        taste = list(itertools.accumulate(1.0 / (k + 1) for k in range(interests)))
        if lengths == "uniform":
            length = max(2, int(mean_length * (0.5 + rng.random()) + 0.5))
        else:
            length = int(mean_length * math.exp(sigma * _normal(rng)) + 0.5)
            length = min(max(length, min_length), max_length)
        length = min(length, n_items)
        seen, line, cluster = set(), [], None
        while len(line) < length:
            if cluster is None or rng.random() >= stay:
                cluster = liked[_pick(rng, taste)]
            rank = None
            if rng.random() >= explore:
                for _ in range(20):  # a draw from the cluster, unless the user has seen it all
                    candidate = members[cluster][_pick(rng, within[cluster])]
                    if candidate not in seen:
                        rank = candidate
                        break
            while rank is None or rank in seen:
                rank = _pick(rng, everything)
            if rank % n_clusters != cluster and rng.random() < stay:
                cluster = rank % n_clusters  # an explored item pulls the next ones along
            seen.add(rank)
            line.append("c%d_%d" % (rank % n_clusters, rank // n_clusters))
        lines.append(line)
    return lines


def session_item_cluster(item):
    """The planted cluster of an item of :func:`generate_sessions`: ``"c3_17"`` -> 3."""
    return int(item[1:item.index("_")])


def planted_groups():
    """The planted word groups, ``{group name: [words]}``, each word in exactly one group.

    Words of one group share their contexts, so after training their nearest neighbours
    should mostly be each other.  Groups hold 7 (days) to 18 (people) words.
    """
    return {group: [w for name in lists for w in _LISTS[name]] for group, lists in _GROUPS.items()}


def planted_analogies():
    """The planted relations, ``{relation: [(a, b), ...]}``, e.g. ``("france", "paris")``.

    For pairs (a, b) and (c, d) of one relation, ``vec(b) - vec(a) + vec(c)`` should be
    closest to ``vec(d)`` once a model is trained on enough text.
    """
    def pairs(x, y):
        return list(zip(_LISTS[x], _LISTS[y]))

    return {
        "capital": pairs("countries", "capitals"),
        "language": pairs("countries", "languages"),
        "gender": pairs("male", "female"),
        "plural": pairs("animals", "animal_plurals"),
        "past_tense": pairs("verbs_present", "verbs_past"),
    }


def analogy_questions(relations=None):
    """All quadruples (a, b, c, d) meaning "a is to b as c is to d", from planted pairs.

    ``relations`` limits them to some of the names in :func:`planted_analogies`.
    """
    questions = []
    for relation, pairs in planted_analogies().items():
        if relations is not None and relation not in relations:
            continue
        for (a, b), (c, d) in itertools.permutations(pairs, 2):
            questions.append((a, b, c, d))
    return questions


def write_analogy_questions(path, relations=None):
    """Write :func:`analogy_questions` in the ``questions-words.txt`` layout.

    One ``: relation`` header line per relation, then lines ``a b c d``, so the planted
    relations can be scored by the same code as the standard analogy set.  Returns the number
    of questions written.
    """
    lines = []
    for relation in planted_analogies():
        if relations is None or relation in relations:
            lines.append(": " + relation)
            lines.extend(" ".join(q) for q in analogy_questions([relation]))
    with atomic_output(os.fspath(path), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
    return sum(1 for line in lines if not line.startswith(":"))


def check_tables():
    """Raise AssertionError if the word tables are inconsistent.

    A planted word in two groups, or used as a literal word of a template, would give that
    word contexts of more than one group and blur the structure the tests rely on.
    """
    groups = planted_groups()
    owner = {}
    for group, words in groups.items():
        for w in words:
            assert w not in owner, f"{w!r} is in both {owner[w]!r} and {group!r}"
            owner[w] = group
    for family in _FAMILIES:
        sizes = {len(_LISTS[name]) for name in family}
        assert len(sizes) == 1, f"aligned lists {family} differ in length"
    assert sorted(_TOPIC_NAMES) == sorted(_TOPICS), "_TOPIC_NAMES must list every topic once"
    for topic, templates in _TOPICS.items():
        for template in templates:
            assert len(template.split()) >= 5, f"template shorter than 5 words: {template!r}"
    planted_lists = {name for lists in _GROUPS.values() for name in lists}
    for name, items in _LISTS.items():
        if name not in planted_lists:
            for item in items:
                for w in item.split():
                    assert w not in owner, f"planted word {w!r} in unplanted list {name!r}"
    topic_literals = {literal for templates in _TOPICS.values() for template in templates
                      for literal, _, _ in _parse(template) if literal is not None}
    for name in ("animal_homes", "verb_objects", "person_places"):
        topic_literals.update(w for item in _LISTS[name] for w in item.split())
    for name in ("adj", "thing", "name"):
        # A filler that is also a topic's literal ("barn") would spread that topic's context.
        shared = topic_literals.intersection(_LISTS[name])
        assert not shared, f"filler list {name!r} shares {sorted(shared)} with the templates"
    for template in itertools.chain(_OPENERS, _CLOSERS, _JOINERS, *_TOPICS.values()):
        for literal, list_name, _ in _parse(template):
            if literal is not None:
                assert literal not in owner, f"planted word {literal!r} is literal in {template!r}"
            else:
                assert list_name in _LISTS, f"unknown slot {list_name!r} in {template!r}"
    return True


def write_corpus(path, n_sentences, seed=0, **kwargs):
    """Write :func:`generate_corpus` output to ``path``, one sentence per line (UTF-8).

    A path ending in ``.gz`` (``.bz2``, ``.xz``, ``.zst``) is compressed (w2vns.io.compression);
    gzip with a zero timestamp and no file name in the header, so the same arguments always give
    a byte-identical file (on the same zlib).  The
    file appears under its name only once complete.  Returns the number of tokens written.
    """
    # Imported here: generating text in memory needs nothing else from the package.
    path = os.fspath(path)
    n_tokens = 0
    kind = compression.from_name(path)  # the rule every writer follows
    with atomic_output(path, "wb") as raw:
        # name="": no file name in a gzip header, so that the bytes do not depend on the name.
        stream = raw if kind is None else compression.writer(kind, raw, level=9, name="")
        try:
            for line in iter_corpus(n_sentences, seed, **kwargs):
                n_tokens += line.count(" ") + 1
                stream.write(line.encode("utf-8") + b"\n")
        finally:
            if stream is not raw:
                stream.close()  # writes the gzip trailer; raw itself stays open for atomic_output
    return n_tokens
