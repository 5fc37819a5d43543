"""What the demo data is made of: offices, categories, accounts, Bologna's
neighbourhoods and streets, people's names and the texts of reports.

Plain data only; :mod:`.generate` turns it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# -- offices and accounts -----------------------------------------------------

#: (code, name, e-mail)
OFFICES: tuple[tuple[str, str, str], ...] = (
    ("urp", "URP - Ufficio Relazioni con il Pubblico", "urp@comune.example.org"),
    ("manutenzione-strade", "Manutenzione strade", "manutenzione.strade@comune.example.org"),
    ("illuminazione", "Illuminazione pubblica", "illuminazione@comune.example.org"),
    ("igiene-urbana", "Igiene urbana", "igiene.urbana@comune.example.org"),
    ("verde-pubblico", "Verde pubblico", "verde.pubblico@comune.example.org"),
    ("polizia-locale", "Polizia locale", "polizia.locale@comune.example.org"),
    ("sistemi-informativi", "Sistemi informativi", "sistemi.informativi@comune.example.org"),
)


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    #: A staff role, or "citizen" for a host account without a staff row.
    role: str
    offices: tuple[str, ...] = ()

    @property
    def staff(self) -> bool:
        return self.role != "citizen"

    @property
    def email(self) -> str:
        domain = "example.org" if self.role == "citizen" else "comune.example.org"
        return f"{self.username}@{domain}"

    @property
    def password(self) -> str:
        """Demo passwords are public by design: ``demo-<username>``."""
        return f"demo-{self.username}"


ACCOUNTS: tuple[Account, ...] = (
    Account("operatore", "Giulia Marchetti", "operator", ("urp",)),
    Account("operatore2", "Luca Bernardi", "operator", ("urp",)),
    Account("tecnico.strade", "Marco Zanotti", "technician", ("manutenzione-strade",)),
    Account("tecnico.luci", "Paolo Gamberini", "technician", ("illuminazione",)),
    Account("tecnico.verde", "Chiara Malaguti", "technician", ("verde-pubblico",)),
    Account("tecnico.ambiente", "Sara Guidi", "technician", ("igiene-urbana",)),
    Account("agente.pl", "Davide Nanni", "technician", ("polizia-locale",)),
    Account("tecnico.ced", "Federica Tugnoli", "technician", ("sistemi-informativi",)),
    Account("responsabile", "Elena Cavazza", "manager", ("urp",)),
    Account("admin", "Roberto Stanzani", "admin"),
    Account("cittadino", "Mario Rossi", "citizen"),
)

# -- categories ---------------------------------------------------------------


def _label(it: str, en: str, ca: str) -> dict[str, str]:
    return {"it": it, "en": en, "ca": ca}


def _choice(value: str, it: str, en: str, ca: str) -> dict[str, Any]:
    return {"value": value, "label": _label(it, en, ca)}


@dataclass(frozen=True)
class Variant:
    """One kind of problem within a category: its answers and the texts that tell it."""

    answers: dict[str, str]
    titles: tuple[str, ...]
    details: tuple[str, ...]


@dataclass(frozen=True)
class DemoCategory:
    code: str
    group: str
    name: str
    help_text: str
    names: dict[str, str]
    help_texts: dict[str, str]
    office: str
    variants: tuple[Variant, ...]
    resolutions: tuple[str, ...]
    kinds: str = "issue"
    needs_location: bool = True
    questions: tuple[dict[str, Any], ...] = ()
    #: Share among issues (proposals have their own share).
    weight: float = 1.0
    #: Relative frequency by month, January first.
    season: tuple[float, ...] = (1.0,) * 12
    #: Median working days to fix, when it is not a quick job.
    fix_days: float = 5.0
    #: Chance that the report is urgent or high priority when triaged.
    urgent: float = 0.04
    high: float = 0.14
    #: Supports that oblige an answer (proposals' categories).
    supports_threshold: int | None = None


# Placeholders in the texts: {via} street, {civico} house number, {tempo}
# "since when", {cm} a size. Every text is formatted with all of them.

CLOSINGS: tuple[str, ...] = (
    "Grazie.",
    "Grazie per l'attenzione.",
    "Chiedo un intervento al più presto.",
    "Spero possiate intervenire prima che qualcuno si faccia male.",
    "Resto a disposizione per altre informazioni.",
    "Cordiali saluti.",
    "Non è la prima volta che lo segnalo.",
    "",
    "",
)

TEMPI: tuple[str, ...] = (
    "da tre giorni",
    "da una settimana",
    "da ieri sera",
    "da più di un mese",
    "da qualche giorno",
    "da due settimane",
    "da stamattina",
    "da lunedì",
)

CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory(
        code="buche-strade",
        group="Strade e mobilità",
        name="Buche e dissesti stradali",
        help_text="Buche, avvallamenti, asfalto rotto o sollevato sulla carreggiata.",
        names={"en": "Potholes and damaged roads", "ca": "Sots i desperfectes a la calçada"},
        help_texts={
            "en": "Potholes, sunken or broken asphalt on the roadway.",
            "ca": "Sots, enfonsaments i asfalt trencat o aixecat a la calçada.",
        },
        office="manutenzione-strade",
        weight=17,
        season=(1.5, 1.7, 1.6, 1.3, 1.0, 0.8, 0.7, 0.6, 0.8, 1.0, 1.2, 1.4),
        fix_days=6,
        urgent=0.06,
        high=0.2,
        variants=(
            Variant(
                {},
                (
                    "Buca profonda in {via}",
                    "Buca pericolosa in {via}",
                    "Buche sulla carreggiata in {via}",
                    "Buca davanti al civico {civico} di {via}",
                    "Strada piena di buche in {via}",
                    "Buca all'incrocio di {via}",
                    "Asfalto dissestato in {via}",
                    "Avvallamento del manto stradale in {via}",
                ),
                (
                    "In {via}, all'altezza del civico {civico}, c'è una buca profonda circa {cm} centimetri.",
                    "La buca è vicino alle strisce pedonali ed è difficile da vedere di sera.",
                    "Quando piove si riempie d'acqua e non si vede più.",
                    "Le auto fanno lo slalom per evitarla e i ciclisti rischiano di cadere.",
                    "Ho visto uno scooter perdere l'equilibrio proprio lì.",
                    "La situazione peggiora {tempo}.",
                    "Il bordo è tagliente e ha già danneggiato uno pneumatico.",
                    "Si trova sulla corsia di destra, subito dopo l'incrocio.",
                ),
            ),
            Variant(
                {},
                (
                    "Tombino sprofondato in {via}",
                    "Chiusino sporgente in {via}",
                ),
                (
                    "Il tombino davanti al civico {civico} è sceso di qualche centimetro sotto l'asfalto.",
                    "Ogni auto che passa fa un gran rumore, anche di notte.",
                    "Attorno al chiusino l'asfalto si sta sbriciolando.",
                    "Per le moto è un pericolo, soprattutto con la pioggia.",
                ),
            ),
            Variant(
                {},
                (
                    "Asfalto sollevato dalle radici in {via}",
                    "Radici degli alberi sotto l'asfalto in {via}",
                ),
                (
                    "Le radici dei platani hanno sollevato l'asfalto per diversi metri.",
                    "Il dosso che si è formato è alto circa {cm} centimetri.",
                    "Chi passa in bicicletta rischia di cadere.",
                    "La situazione peggiora {tempo}.",
                ),
            ),
        ),
        resolutions=(
            "Buca chiusa con conglomerato bituminoso a freddo.",
            "Ripristinato il manto stradale nel tratto segnalato.",
            "Intervento eseguito dalla squadra di pronto intervento.",
            "Tratto inserito nel piano asfaltature; nel frattempo la buca è stata messa in sicurezza.",
            "Tombino riportato in quota e asfalto ripristinato.",
        ),
    ),
    DemoCategory(
        code="marciapiedi",
        group="Strade e mobilità",
        name="Marciapiedi e piste ciclabili",
        help_text="Marciapiedi rotti, piastrelle sollevate, piste ciclabili danneggiate o ostruite.",
        names={"en": "Pavements and cycle lanes", "ca": "Voreres i carrils bici"},
        help_texts={
            "en": "Broken pavements, loose paving, damaged or blocked cycle lanes.",
            "ca": "Voreres trencades, rajoles aixecades, carrils bici malmesos o obstruïts.",
        },
        office="manutenzione-strade",
        weight=7,
        fix_days=12,
        variants=(
            Variant(
                {},
                (
                    "Marciapiede dissestato in {via}",
                    "Piastrelle sollevate sul marciapiede di {via}",
                    "Marciapiede pericoloso davanti al civico {civico} di {via}",
                    "Cordolo del marciapiede rotto in {via}",
                ),
                (
                    "Sul marciapiede di {via} diverse piastrelle sono sollevate e si inciampa facilmente.",
                    "Ci passano ogni giorno anziani e bambini che vanno a scuola.",
                    "Il cordolo è spezzato e i pezzi sono finiti in strada.",
                    "Il problema c'è {tempo} e con il buio è ancora peggio.",
                    "Una signora è già caduta la settimana scorsa.",
                ),
            ),
            Variant(
                {},
                (
                    "Pista ciclabile rovinata in {via}",
                    "Pista ciclabile ostruita in {via}",
                    "Buca sulla pista ciclabile in {via}",
                ),
                (
                    "La pista ciclabile di {via} ha una crepa lunga qualche metro, pericolosa per le bici.",
                    "Le auto parcheggiate sulla pista costringono i ciclisti a scendere in strada.",
                    "Nel tratto davanti al civico {civico} la pista è piena di buche.",
                    "La segnaletica a terra della pista non si vede più.",
                    "La uso tutti i giorni per andare al lavoro.",
                ),
            ),
        ),
        resolutions=(
            "Piastrelle ricollocate e marciapiede ripristinato.",
            "Tratto di pista ciclabile riasfaltato.",
            "Cordolo sostituito.",
            "Eseguita la messa in sicurezza; il rifacimento completo è programmato.",
        ),
    ),
    DemoCategory(
        code="segnaletica",
        group="Strade e mobilità",
        name="Segnaletica stradale",
        help_text="Cartelli divelti o illeggibili, strisce pedonali cancellate, semafori guasti.",
        names={"en": "Road signs and markings", "ca": "Senyalització viària"},
        help_texts={
            "en": "Knocked-down or unreadable signs, faded zebra crossings, broken traffic lights.",
            "ca": "Senyals arrencats o il·legibles, passos de vianants esborrats, semàfors avariats.",
        },
        office="polizia-locale",
        weight=6,
        fix_days=9,
        urgent=0.05,
        variants=(
            Variant(
                {},
                (
                    "Cartello stradale divelto in {via}",
                    "Cartello girato al contrario in {via}",
                    "Segnale di stop coperto dai rami in {via}",
                ),
                (
                    "Il cartello di divieto di sosta in {via} è a terra {tempo}.",
                    "Qualcuno ha girato il cartello del senso unico e le auto entrano contromano.",
                    "Lo stop è nascosto dai rami e chi arriva non lo vede.",
                    "Di notte l'incrocio è molto pericoloso.",
                ),
            ),
            Variant(
                {},
                (
                    "Strisce pedonali cancellate in {via}",
                    "Segnaletica orizzontale sbiadita in {via}",
                ),
                (
                    "Le strisce pedonali davanti alla scuola non si vedono quasi più.",
                    "Le linee di mezzeria sono sbiadite e di sera con la pioggia non si vedono.",
                    "Molte persone attraversano proprio in quel punto.",
                    "Il problema c'è {tempo}.",
                ),
            ),
            Variant(
                {},
                (
                    "Semaforo guasto in {via}",
                    "Semaforo pedonale sempre rosso in {via}",
                ),
                (
                    "Il semaforo all'incrocio di {via} lampeggia giallo {tempo}.",
                    "Il semaforo pedonale resta sempre rosso e la gente attraversa lo stesso.",
                    "Il pulsante di chiamata per i pedoni non funziona.",
                    "Nelle ore di punta si formano lunghe code.",
                ),
            ),
        ),
        resolutions=(
            "Cartello ricollocato.",
            "Strisce pedonali ridipinte.",
            "Semaforo riparato dal manutentore.",
            "Segnale sostituito e rami potati.",
        ),
    ),
    DemoCategory(
        code="barriere-architettoniche",
        group="Strade e mobilità",
        name="Barriere architettoniche",
        help_text=(
            "Scivoli mancanti o ostruiti, ostacoli per carrozzine e passeggini, percorsi tattili interrotti."
        ),
        names={"en": "Accessibility barriers", "ca": "Barreres arquitectòniques"},
        help_texts={
            "en": (
                "Missing or blocked kerb ramps, obstacles for wheelchairs and buggies, broken tactile paths."
            ),
            "ca": "Guals per a vianants inexistents o obstruïts, obstacles per a cadires de rodes i cotxets.",
        },
        office="manutenzione-strade",
        weight=3,
        fix_days=20,
        variants=(
            Variant(
                {},
                (
                    "Scivolo del marciapiede mancante in {via}",
                    "Scivolo ostruito da un palo in {via}",
                    "Impossibile passare con la carrozzina in {via}",
                ),
                (
                    "All'incrocio di {via} manca lo scivolo e con la carrozzina non si riesce a scendere.",
                    "Un palo della segnaletica è stato messo proprio in mezzo allo scivolo.",
                    "Con il passeggino devo fare il giro dall'altra parte della strada.",
                    "Mia madre usa la carrozzina e da sola non può passare.",
                ),
            ),
            Variant(
                {},
                (
                    "Percorso tattile interrotto in {via}",
                    "Percorso per non vedenti ostruito in {via}",
                ),
                (
                    "Il percorso per non vedenti si interrompe all'improvviso davanti a un dehors.",
                    "Le piastrelle del percorso tattile sono rotte in più punti.",
                    "Sopra il percorso vengono parcheggiati monopattini e biciclette.",
                ),
            ),
            Variant(
                {},
                ("Gradino senza rampa all'ingresso dell'ufficio comunale in {via}",),
                (
                    "All'ingresso dell'ufficio di {via} ci sono tre gradini e nessuna rampa.",
                    "Il campanello per chiedere assistenza non funziona.",
                    "Chi è in carrozzina non può entrare da solo.",
                ),
            ),
        ),
        resolutions=(
            "Realizzato lo scivolo sul marciapiede.",
            "Palo spostato: lo scivolo è di nuovo libero.",
            "Percorso tattile ripristinato.",
            "Intervento inserito nel Piano per l'eliminazione delle barriere architettoniche (PEBA).",
        ),
    ),
    DemoCategory(
        code="illuminazione",
        group="Illuminazione pubblica",
        name="Illuminazione pubblica",
        help_text=(
            "Lampioni spenti, accesi di giorno, lampeggianti o danneggiati. Se puoi, indica il "
            "numero sul palo."
        ),
        names={"en": "Street lighting", "ca": "Enllumenat públic"},
        help_texts={
            "en": (
                "Street lights out, on during the day, flickering or damaged. Give the number on the "
                "pole if you can."
            ),
            "ca": (
                "Fanals apagats, encesos de dia, intermitents o malmesos. Si pots, indica el número del pal."
            ),
        },
        office="illuminazione",
        weight=14,
        season=(1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.6, 0.7, 0.9, 1.2, 1.5, 1.6),
        fix_days=4,
        urgent=0.03,
        high=0.18,
        questions=(
            {
                "key": "pole_number",
                "label": _label("Numero del palo", "Pole number", "Número del pal"),
                "type": "text",
                "required": False,
            },
            {
                "key": "light_problem",
                "label": _label("Che cosa succede?", "What is wrong?", "Què passa?"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice("spento", "Lampione spento", "Light out", "Fanal apagat"),
                    _choice("intermittente", "Luce intermittente", "Flickering light", "Llum intermitent"),
                    _choice("acceso_giorno", "Acceso di giorno", "On during the day", "Encès de dia"),
                    _choice(
                        "danneggiato",
                        "Palo o lampada danneggiati",
                        "Damaged pole or lamp",
                        "Pal o làmpada malmesos",
                    ),
                ],
            },
        ),
        variants=(
            Variant(
                {"light_problem": "spento"},
                (
                    "Lampione spento in {via}",
                    "Lampione spento {tempo}",
                    "Via al buio: lampioni spenti in {via}",
                    "Tre lampioni spenti in {via}",
                    "Lampione spento davanti al civico {civico}",
                ),
                (
                    "Il lampione davanti al civico {civico} di {via} è spento {tempo}.",
                    "Di sera il tratto è completamente al buio.",
                    "Sono spenti tutti i lampioni del lato dei numeri pari.",
                    "Tornando a casa la sera non ci si sente sicuri.",
                    "C'è anche una fermata dell'autobus, che resta al buio.",
                ),
            ),
            Variant(
                {"light_problem": "intermittente"},
                (
                    "Lampione intermittente in {via}",
                    "Luce che lampeggia in {via}",
                ),
                (
                    "Il lampione si accende e si spegne in continuazione.",
                    "La luce lampeggia tutta la notte e dà fastidio a chi abita di fronte.",
                    "Il problema c'è {tempo}.",
                ),
            ),
            Variant(
                {"light_problem": "acceso_giorno"},
                (
                    "Lampioni accesi di giorno in {via}",
                    "Illuminazione accesa in pieno giorno in {via}",
                ),
                (
                    "I lampioni di {via} restano accesi anche di giorno {tempo}.",
                    "Mi sembra uno spreco di energia.",
                ),
            ),
            Variant(
                {"light_problem": "danneggiato"},
                (
                    "Palo della luce danneggiato in {via}",
                    "Lampione inclinato in {via}",
                    "Sportello del palo aperto con i fili scoperti in {via}",
                ),
                (
                    "Il palo è stato urtato da un'auto ed è inclinato verso la strada.",
                    "Lo sportello alla base del palo è aperto e si vedono i cavi elettrici.",
                    "La copertura della lampada è rotta e i pezzi sono sul marciapiede.",
                    "È pericoloso, soprattutto per i bambini.",
                ),
            ),
        ),
        resolutions=(
            "Sostituita la lampada.",
            "Ripristinata l'alimentazione del tratto.",
            "Regolato il crepuscolare: i lampioni ora si accendono solo di sera.",
            "Palo messo in sicurezza e sostituito.",
            "Guasto alla linea riparato dal gestore dell'illuminazione.",
        ),
    ),
    DemoCategory(
        code="rifiuti-abbandonati",
        group="Rifiuti e decoro urbano",
        name="Rifiuti abbandonati",
        help_text="Sacchi, ingombranti, elettrodomestici o calcinacci lasciati in strada o nei parchi.",
        names={"en": "Dumped waste", "ca": "Residus abandonats"},
        help_texts={
            "en": "Bags, bulky items, appliances or rubble left in the street or in parks.",
            "ca": "Bosses, voluminosos, electrodomèstics o runa deixats al carrer o als parcs.",
        },
        office="igiene-urbana",
        weight=13,
        season=(1.0, 0.9, 1.0, 1.0, 1.1, 1.2, 1.3, 1.2, 1.0, 1.0, 0.9, 1.1),
        fix_days=2,
        questions=(
            {
                "key": "waste_type",
                "label": _label("Tipo di rifiuto", "Type of waste", "Tipus de residu"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice(
                        "ingombranti",
                        "Mobili e ingombranti",
                        "Furniture and bulky items",
                        "Mobles i voluminosos",
                    ),
                    _choice("sacchi", "Sacchi di rifiuti", "Rubbish bags", "Bosses d'escombraries"),
                    _choice("raee", "Elettrodomestici", "Appliances", "Electrodomèstics"),
                    _choice(
                        "inerti",
                        "Calcinacci e materiali edili",
                        "Rubble and building materials",
                        "Runa i materials d'obra",
                    ),
                    _choice("pneumatici", "Pneumatici", "Tyres", "Pneumàtics"),
                    _choice("altro", "Altro", "Other", "Altres"),
                ],
            },
        ),
        variants=(
            Variant(
                {"waste_type": "ingombranti"},
                (
                    "Mobili abbandonati in {via}",
                    "Materasso abbandonato in {via}",
                    "Ingombranti lasciati vicino ai cassonetti in {via}",
                    "Divano abbandonato sul marciapiede in {via}",
                ),
                (
                    "Accanto ai cassonetti di {via} qualcuno ha lasciato un divano e due materassi.",
                    "Un armadio smontato occupa metà del marciapiede {tempo}.",
                    "Gli ingombranti bloccano il passaggio a chi ha il passeggino.",
                    "Non è la prima volta: in questo punto abbandonano mobili ogni settimana.",
                ),
            ),
            Variant(
                {"waste_type": "sacchi"},
                (
                    "Sacchi di rifiuti abbandonati in {via}",
                    "Sacchetti della spazzatura a terra in {via}",
                    "Discarica abusiva in {via}",
                ),
                (
                    "Ci sono una decina di sacchi neri lasciati a terra in {via}.",
                    "I sacchi sono stati aperti dai gabbiani e la spazzatura è sparsa ovunque.",
                    "C'è un odore molto forte {tempo}.",
                    "Il punto è diventato una piccola discarica.",
                ),
            ),
            Variant(
                {"waste_type": "raee"},
                (
                    "Frigorifero abbandonato in {via}",
                    "Elettrodomestici abbandonati in {via}",
                    "Lavatrice lasciata sul marciapiede in {via}",
                ),
                (
                    "Un frigorifero è stato abbandonato davanti al civico {civico}.",
                    "Ci sono una lavatrice e un vecchio televisore vicino alle campane del vetro.",
                    "Sono lì {tempo} e nessuno li ha ritirati.",
                ),
            ),
            Variant(
                {"waste_type": "inerti"},
                (
                    "Calcinacci abbandonati in {via}",
                    "Materiali edili scaricati in {via}",
                ),
                (
                    "Qualcuno ha scaricato secchi di calcinacci e piastrelle rotte in {via}.",
                    "Sembrano i resti di una ristrutturazione.",
                    "Tra i materiali ci sono anche lastre che sembrano di eternit.",
                ),
            ),
            Variant(
                {"waste_type": "pneumatici"},
                ("Pneumatici abbandonati in {via}", "Gomme lasciate nel fosso in {via}"),
                (
                    "Ci sono almeno sei pneumatici abbandonati a bordo strada.",
                    "Sono nel fosso {tempo} e si riempiono d'acqua: un paradiso per le zanzare.",
                ),
            ),
            Variant(
                {"waste_type": "altro"},
                ("Rifiuti abbandonati in {via}", "Spazzatura sparsa nel parcheggio di {via}"),
                (
                    "Nel parcheggio di {via} ci sono rifiuti di ogni tipo.",
                    "Bottiglie e cartoni sono sparsi per terra dopo il fine settimana.",
                    "La situazione va avanti {tempo}.",
                ),
            ),
        ),
        resolutions=(
            "Rifiuti rimossi dal gestore del servizio.",
            "Ingombranti ritirati e area pulita.",
            "Rimozione eseguita; il punto è stato segnalato alla Polizia locale per i controlli.",
            "Materiali rimossi da ditta specializzata.",
        ),
    ),
    DemoCategory(
        code="cassonetti",
        group="Rifiuti e decoro urbano",
        name="Cassonetti pieni o danneggiati",
        help_text="Cassonetti e campane stracolmi, rotti, bruciati o spostati.",
        names={"en": "Full or damaged bins", "ca": "Contenidors plens o malmesos"},
        help_texts={
            "en": "Overflowing, broken, burnt or displaced bins and bottle banks.",
            "ca": "Contenidors i iglús plens a vessar, trencats, cremats o desplaçats.",
        },
        office="igiene-urbana",
        weight=9,
        season=(1.3, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.3, 1.0, 0.9, 0.9, 1.2),
        fix_days=1.5,
        questions=(
            {
                "key": "bin_type",
                "label": _label("Quale contenitore?", "Which bin?", "Quin contenidor?"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice("indifferenziato", "Indifferenziato", "General waste", "Rebuig"),
                    _choice("carta", "Carta", "Paper", "Paper"),
                    _choice("plastica", "Plastica e lattine", "Plastic and cans", "Envasos"),
                    _choice("vetro", "Vetro", "Glass", "Vidre"),
                    _choice("organico", "Organico", "Food waste", "Orgànica"),
                ],
            },
        ),
        variants=(
            Variant(
                {"bin_type": "indifferenziato"},
                (
                    "Cassonetti pieni in {via}",
                    "Cassonetto dell'indifferenziato stracolmo in {via}",
                    "Cassonetto bruciato in {via}",
                ),
                (
                    "I cassonetti di {via} sono pieni {tempo} e i sacchi restano a terra.",
                    "Il cassonetto è stato bruciato stanotte ed è inutilizzabile.",
                    "Il pedale è rotto e il coperchio non si apre.",
                ),
            ),
            Variant(
                {"bin_type": "carta"},
                ("Cassonetto della carta pieno in {via}", "Cartoni fuori dal cassonetto in {via}"),
                (
                    "Il cassonetto della carta trabocca di cartoni.",
                    "I negozi della zona lasciano gli scatoloni aperti accanto al cassonetto.",
                ),
            ),
            Variant(
                {"bin_type": "plastica"},
                ("Cassonetto della plastica pieno in {via}", "Cassonetto della plastica rotto in {via}"),
                (
                    "Il cassonetto giallo non viene svuotato {tempo}.",
                    "Il coperchio è rotto e con il vento la plastica vola per strada.",
                ),
            ),
            Variant(
                {"bin_type": "vetro"},
                ("Campana del vetro piena in {via}", "Vetri rotti attorno alla campana in {via}"),
                (
                    "La campana del vetro è piena e le bottiglie vengono lasciate a terra.",
                    "Ci sono cocci di vetro sul marciapiede, pericolosi per i cani e i bambini.",
                ),
            ),
            Variant(
                {"bin_type": "organico"},
                ("Cassonetto dell'organico maleodorante in {via}", "Organico non svuotato in {via}"),
                (
                    (
                        "Il cassonetto dell'organico non viene svuotato {tempo} e con il caldo l'odore è "
                        "insopportabile."
                    ),
                    "Ci sono moscerini e vespe attorno al cassonetto.",
                ),
            ),
        ),
        resolutions=(
            "Cassonetti svuotati.",
            "Aggiunto un passaggio di raccolta nella zona.",
            "Cassonetto sostituito.",
            "Contenitore riparato e area pulita.",
        ),
    ),
    DemoCategory(
        code="graffiti",
        group="Rifiuti e decoro urbano",
        name="Graffiti e imbrattamenti",
        help_text="Scritte e imbrattamenti su muri, monumenti, panchine e arredi pubblici.",
        names={"en": "Graffiti and vandalism", "ca": "Pintades i embrutaments"},
        help_texts={
            "en": "Tags and vandalism on walls, monuments, benches and street furniture.",
            "ca": "Pintades i embrutaments a parets, monuments, bancs i mobiliari urbà.",
        },
        office="igiene-urbana",
        weight=5,
        fix_days=15,
        variants=(
            Variant(
                {},
                (
                    "Scritte sui muri del portico in {via}",
                    "Graffiti sulla panchina in {via}",
                    "Monumento imbrattato in {via}",
                    "Colonne del portico imbrattate in {via}",
                    "Scritte offensive sul muro in {via}",
                ),
                (
                    "Le colonne del portico di {via} sono piene di scritte con lo spray.",
                    "Hanno imbrattato anche la targa commemorativa.",
                    "Alcune scritte sono offensive e ci passano i bambini della scuola.",
                    "Le scritte sono comparse {tempo}.",
                    "Il portico era stato ripulito da poco.",
                ),
            ),
        ),
        resolutions=(
            "Scritte rimosse con idropulitrice.",
            "Superfici ripulite e trattate con protettivo antigraffiti.",
            "Intervento eseguito dai volontari del decoro urbano.",
        ),
    ),
    DemoCategory(
        code="verde-pubblico",
        group="Verde, parchi e animali",
        name="Verde pubblico",
        help_text="Alberi pericolanti, rami caduti, erba alta, siepi e aiuole da sistemare.",
        names={"en": "Public green spaces and trees", "ca": "Zones verdes i arbrat"},
        help_texts={
            "en": "Dangerous trees, fallen branches, long grass, hedges and flower beds that need care.",
            "ca": "Arbres perillosos, branques caigudes, herba alta, tanques i parterres per arreglar.",
        },
        office="verde-pubblico",
        weight=10,
        season=(0.5, 0.5, 0.9, 1.4, 1.7, 1.6, 1.3, 1.0, 1.0, 0.9, 0.8, 0.6),
        fix_days=10,
        urgent=0.05,
        questions=(
            {
                "key": "green_problem",
                "label": _label("Problema", "Problem", "Problema"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice("albero_pericolante", "Albero pericolante", "Dangerous tree", "Arbre perillós"),
                    _choice("ramo_caduto", "Ramo caduto", "Fallen branch", "Branca caiguda"),
                    _choice("erba_alta", "Erba alta", "Long grass", "Herba alta"),
                    _choice("potatura", "Potatura necessaria", "Pruning needed", "Cal podar"),
                ],
            },
        ),
        variants=(
            Variant(
                {"green_problem": "albero_pericolante"},
                ("Albero pericolante in {via}", "Albero inclinato sulla strada in {via}"),
                (
                    "Dopo il temporale l'albero davanti al civico {civico} è molto inclinato.",
                    "Si vedono le radici sollevate e una crepa nel tronco.",
                    "Sotto ci sono auto parcheggiate e passano molte persone.",
                ),
            ),
            Variant(
                {"green_problem": "ramo_caduto"},
                ("Ramo caduto in {via}", "Grosso ramo sul marciapiede in {via}"),
                (
                    "Un grosso ramo è caduto sul marciapiede e blocca il passaggio.",
                    "Il ramo è caduto stanotte con il vento forte.",
                    "Un altro ramo è spezzato e penzola sopra la strada.",
                ),
            ),
            Variant(
                {"green_problem": "erba_alta"},
                (
                    "Erba alta nell'aiuola di {via}",
                    "Sfalcio dell'erba in {via}",
                    "Erba alta nel giardino pubblico di {via}",
                ),
                (
                    "L'erba nell'aiuola spartitraffico è alta quasi un metro e copre la visuale.",
                    "Nel giardino non si taglia l'erba {tempo}.",
                    "Con l'erba così alta ci sono zanzare e zecche.",
                ),
            ),
            Variant(
                {"green_problem": "potatura"},
                ("Siepe da potare in {via}", "Rami che coprono il lampione in {via}"),
                (
                    "La siepe invade metà del marciapiede.",
                    "I rami coprono il lampione e la strada di sera è buia.",
                    "I rami toccano le finestre del primo piano.",
                ),
            ),
        ),
        resolutions=(
            "Eseguita la potatura.",
            "Ramo rimosso e area messa in sicurezza.",
            "Sfalcio eseguito.",
            "Albero verificato dall'agronomo e abbattuto in sicurezza; è prevista la ripiantumazione.",
            "Intervento inserito nel calendario degli sfalci.",
        ),
    ),
    DemoCategory(
        code="parchi-giochi",
        group="Verde, parchi e animali",
        name="Parchi e aree giochi",
        help_text="Giochi rotti, panchine danneggiate, recinzioni aperte, fontanelle guaste nei parchi.",
        names={"en": "Parks and playgrounds", "ca": "Parcs i àrees de joc"},
        help_texts={
            "en": "Broken play equipment, damaged benches, open fences, broken drinking fountains in parks.",
            "ca": "Jocs trencats, bancs malmesos, tanques obertes i fonts avariades als parcs.",
        },
        office="verde-pubblico",
        weight=4,
        season=(0.5, 0.5, 0.8, 1.2, 1.5, 1.6, 1.5, 1.2, 1.1, 0.8, 0.5, 0.5),
        fix_days=14,
        variants=(
            Variant(
                {},
                (
                    "Altalena rotta nel parco di {via}",
                    "Scivolo danneggiato nell'area giochi di {via}",
                    "Gioco pericoloso nell'area bimbi di {via}",
                ),
                (
                    "Nell'area giochi di {via} una catena dell'altalena è spezzata.",
                    "Lo scivolo ha una scheggia di legno sporgente.",
                    "La pavimentazione antitrauma sotto i giochi è consumata.",
                    "Il parco è molto frequentato dai bambini nel pomeriggio.",
                ),
            ),
            Variant(
                {},
                (
                    "Panchina rotta nel giardino di {via}",
                    "Panchine danneggiate nel parco di {via}",
                ),
                (
                    "La panchina ha due assi rotte e si rischia di farsi male.",
                    "Alcune panchine sono state divelte {tempo}.",
                    "Gli anziani del quartiere non hanno più dove sedersi.",
                ),
            ),
            Variant(
                {},
                (
                    "Fontanella guasta nel parco di {via}",
                    "Fontanella che perde acqua in {via}",
                ),
                (
                    "La fontanella perde acqua {tempo} e si è formata una pozza di fango.",
                    "La fontanella non eroga più acqua e d'estate serve a tutti.",
                    "Con il caldo molti vengono a riempire le bottiglie.",
                ),
            ),
            Variant(
                {},
                (
                    "Cancello dell'area cani rotto in {via}",
                    "Recinzione dell'area cani aperta in {via}",
                ),
                (
                    "Il cancello dell'area cani non si chiude più.",
                    "La recinzione ha un buco e i cani escono verso la strada.",
                    "Il problema c'è {tempo}.",
                ),
            ),
        ),
        resolutions=(
            "Gioco riparato e verificato.",
            "Gioco transennato in attesa della sostituzione, poi sostituito.",
            "Panchina sostituita.",
            "Fontanella riparata.",
            "Cancello riparato.",
        ),
    ),
    DemoCategory(
        code="animali",
        group="Verde, parchi e animali",
        name="Animali",
        help_text="Animali vaganti o feriti, carcasse, infestazioni di ratti, zanzare o vespe.",
        names={"en": "Animals (strays, carcasses, pests)", "ca": "Animals (abandonats, cadàvers, plagues)"},
        help_texts={
            "en": "Stray or injured animals, carcasses, rats, mosquitoes or wasps.",
            "ca": "Animals perduts o ferits, cadàvers d'animals, rates, mosquits o vespes.",
        },
        office="igiene-urbana",
        weight=3,
        season=(0.6, 0.6, 0.8, 1.0, 1.3, 1.6, 1.7, 1.5, 1.1, 0.8, 0.6, 0.6),
        fix_days=3,
        urgent=0.08,
        questions=(
            {
                "key": "animal",
                "label": _label("Di che cosa si tratta?", "What is it about?", "De què es tracta?"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice("ratti", "Ratti", "Rats", "Rates"),
                    _choice("zanzare", "Zanzare", "Mosquitoes", "Mosquits"),
                    _choice("carcassa", "Animale morto", "Dead animal", "Animal mort"),
                    _choice(
                        "vagante",
                        "Animale vagante o ferito",
                        "Stray or injured animal",
                        "Animal perdut o ferit",
                    ),
                    _choice("vespe", "Nido di vespe o calabroni", "Wasp or hornet nest", "Niu de vespes"),
                ],
            },
        ),
        variants=(
            Variant(
                {"animal": "ratti"},
                ("Ratti vicino ai cassonetti in {via}", "Presenza di ratti nel giardino di {via}"),
                (
                    "Di sera si vedono ratti che entrano e escono dai tombini.",
                    "Ne ho visti diversi {tempo} vicino ai cassonetti.",
                    "Chiedo una derattizzazione della zona.",
                ),
            ),
            Variant(
                {"animal": "zanzare"},
                ("Zanzare tigre nel parco di {via}", "Acqua stagnante e zanzare in {via}"),
                (
                    "Nelle caditoie c'è acqua stagnante e le zanzare sono tantissime.",
                    "Non si riesce a stare nel parco nemmeno di giorno.",
                ),
            ),
            Variant(
                {"animal": "carcassa"},
                ("Animale morto sulla strada in {via}", "Carcassa di un gatto in {via}"),
                (
                    "C'è un animale morto sul bordo della strada, davanti al civico {civico}.",
                    "È lì da ieri e con il caldo è un problema di igiene.",
                ),
            ),
            Variant(
                {"animal": "vagante"},
                ("Cane vagante in {via}", "Gatto ferito in {via}"),
                (
                    "Un cane senza collare gira da solo tra le auto.",
                    "C'è un gatto ferito sotto una macchina parcheggiata.",
                ),
            ),
            Variant(
                {"animal": "vespe"},
                ("Nido di calabroni in {via}", "Vespe nella panchina del parco in {via}"),
                (
                    "C'è un grosso nido di calabroni sotto la grondaia della scuola.",
                    "Le vespe hanno fatto il nido dentro la panchina.",
                ),
            ),
        ),
        resolutions=(
            "Eseguita la derattizzazione della zona.",
            "Trattamento larvicida eseguito nelle caditoie.",
            "Carcassa rimossa.",
            "Animale recuperato dal servizio veterinario.",
            "Nido rimosso da ditta specializzata.",
        ),
    ),
    DemoCategory(
        code="acqua-fognature",
        group="Acqua e fognature",
        name="Acqua e fognature",
        help_text="Perdite d'acqua, tombini e caditoie intasati, allagamenti, cattivi odori dalle fognature.",
        names={"en": "Water and sewers", "ca": "Aigua i clavegueram"},
        help_texts={
            "en": "Water leaks, blocked drains and gullies, flooding, sewer smells.",
            "ca": "Fuites d'aigua, embornals obstruïts, inundacions i males olors del clavegueram.",
        },
        office="manutenzione-strade",
        weight=4,
        season=(1.0, 1.0, 1.0, 1.0, 1.2, 0.8, 0.7, 0.8, 1.2, 1.5, 1.4, 1.1),
        fix_days=4,
        urgent=0.08,
        high=0.2,
        variants=(
            Variant(
                {},
                (
                    "Caditoia intasata in {via}",
                    "Strada allagata in {via}",
                    "Allagamento all'incrocio di {via}",
                ),
                (
                    "Ogni volta che piove in {via} si forma un lago all'incrocio.",
                    "La caditoia è piena di foglie e terra.",
                    "Le auto che passano schizzano i pedoni.",
                    "L'acqua arriva fino ai gradini dei negozi.",
                ),
            ),
            Variant(
                {},
                (
                    "Perdita d'acqua dall'asfalto in {via}",
                    "Acqua che esce dal marciapiede in {via}",
                ),
                (
                    "Dall'asfalto esce acqua pulita {tempo}: sembra una tubatura rotta.",
                    "Davanti al civico {civico} c'è sempre una pozza, anche quando non piove.",
                    "Si spreca molta acqua.",
                ),
            ),
            Variant(
                {},
                (
                    "Cattivo odore dal tombino in {via}",
                    "Fognatura che rigurgita in {via}",
                ),
                (
                    "Dal tombino esce un odore molto forte, soprattutto la sera.",
                    "Con i temporali l'acqua della fogna risale in strada.",
                    "Il problema c'è {tempo}.",
                ),
            ),
        ),
        resolutions=(
            "Caditoia pulita e disostruita.",
            "Perdita segnalata al gestore del servizio idrico e riparata.",
            "Eseguito lo spurgo della condotta.",
            "Tombino fissato.",
        ),
    ),
    DemoCategory(
        code="veicoli-abbandonati",
        group="Strade e mobilità",
        name="Veicoli abbandonati",
        help_text="Auto, moto e biciclette abbandonate o senza targa su suolo pubblico.",
        names={"en": "Abandoned vehicles", "ca": "Vehicles abandonats"},
        help_texts={
            "en": "Cars, motorbikes and bicycles abandoned or without number plates on public land.",
            "ca": "Cotxes, motos i bicicletes abandonats o sense matrícula a la via pública.",
        },
        office="polizia-locale",
        weight=3,
        fix_days=25,
        urgent=0.0,
        high=0.05,
        questions=(
            {
                "key": "plate",
                "label": _label(
                    "Targa (se visibile)", "Number plate (if visible)", "Matrícula (si és visible)"
                ),
                "type": "text",
                "required": False,
            },
        ),
        variants=(
            Variant(
                {},
                (
                    "Auto abbandonata in {via}",
                    "Auto senza targa parcheggiata in {via}",
                    "Auto con le gomme a terra in {via}",
                ),
                (
                    "In {via} c'è un'auto con le gomme a terra ferma {tempo}.",
                    "L'auto ha i vetri rotti ed è piena di rifiuti.",
                    "Occupa un posto auto da mesi e nessuno la sposta.",
                    "Sul parabrezza ci sono decine di volantini.",
                ),
            ),
            Variant(
                {},
                (
                    "Scooter abbandonato in {via}",
                    "Motorino senza targa in {via}",
                ),
                (
                    "Uno scooter senza targa è appoggiato al muro davanti al civico {civico}.",
                    "Mancano la sella e lo specchietto: sembra rubato.",
                    "È lì {tempo}.",
                ),
            ),
            Variant(
                {},
                (
                    "Bicicletta abbandonata legata al palo in {via}",
                    "Biciclette abbandonate nella rastrelliera di {via}",
                ),
                (
                    "Una bicicletta senza ruote è legata al palo davanti al civico {civico}.",
                    "Nella rastrelliera ci sono biciclette arrugginite che occupano i posti.",
                    "Sono lì {tempo}.",
                ),
            ),
        ),
        resolutions=(
            "Veicolo rimosso dalla Polizia locale.",
            "Proprietario rintracciato: il veicolo è stato spostato.",
            "Bicicletta rimossa dopo l'affissione dell'avviso.",
        ),
    ),
    DemoCategory(
        code="servizi-digitali",
        group="Servizi online",
        name="Servizi digitali",
        help_text=(
            "Problemi con il sito del Comune, i pagamenti pagoPA, l'accesso con SPID o CIE, le "
            "prenotazioni online."
        ),
        names={"en": "Online services", "ca": "Serveis digitals"},
        help_texts={
            "en": "Problems with the municipal website, pagoPA payments, SPID or CIE login, online bookings.",
            "ca": (
                "Problemes amb el web municipal, els pagaments pagoPA, l'accés amb SPID o CIE, les "
                "reserves en línia."
            ),
        },
        office="sistemi-informativi",
        needs_location=False,
        weight=3,
        fix_days=2,
        urgent=0.02,
        questions=(
            {
                "key": "service",
                "label": _label("Quale servizio?", "Which service?", "Quin servei?"),
                "type": "choice",
                "required": True,
                "choices": [
                    _choice("sito", "Sito web del Comune", "Municipal website", "Web municipal"),
                    _choice("pagopa", "Pagamenti pagoPA", "pagoPA payments", "Pagaments pagoPA"),
                    _choice("spid", "Accesso con SPID o CIE", "SPID or CIE login", "Accés amb SPID o CIE"),
                    _choice("prenotazioni", "Prenotazioni online", "Online bookings", "Reserves en línia"),
                ],
            },
            {
                "key": "browser",
                "label": _label("Browser e dispositivo", "Browser and device", "Navegador i dispositiu"),
                "type": "text",
                "required": False,
            },
        ),
        variants=(
            Variant(
                {"service": "sito"},
                (
                    "Pagina del sito non raggiungibile",
                    "Link rotto nella sezione Servizi",
                    "Modulo online che non si invia",
                ),
                (
                    "La pagina degli orari degli uffici restituisce un errore.",
                    "Il link al modulo per il passo carraio porta a una pagina inesistente.",
                    "Premendo Invia il modulo si ricarica e perde i dati inseriti.",
                ),
            ),
            Variant(
                {"service": "pagopa"},
                ("Pagamento pagoPA non riuscito", "Avviso di pagamento non trovato"),
                (
                    "Ho provato a pagare la mensa scolastica ma il pagamento non va a buon fine.",
                    "Il codice dell'avviso risulta inesistente.",
                    "Mi è stato addebitato l'importo ma il pagamento risulta ancora da fare.",
                ),
            ),
            Variant(
                {"service": "spid"},
                ("Accesso con SPID non funzionante", "Errore di accesso con CIE"),
                (
                    "Dopo l'autenticazione con SPID torno alla pagina iniziale senza essere entrato.",
                    "Con la CIE compare un messaggio di errore generico.",
                    "Il problema c'è {tempo}.",
                ),
            ),
            Variant(
                {"service": "prenotazioni"},
                ("Prenotazione carta d'identità impossibile", "Agenda prenotazioni sempre piena"),
                (
                    "Non riesco a prenotare l'appuntamento per la carta d'identità elettronica.",
                    "Il calendario non mostra date disponibili per i prossimi tre mesi.",
                ),
            ),
        ),
        resolutions=(
            "Corretto il collegamento nella pagina.",
            "Risolto un problema tecnico del servizio: ora funziona correttamente.",
            "Il pagamento è stato riconciliato; non serve ripeterlo.",
            "Aperte nuove disponibilità in agenda.",
            "Fornite al cittadino le istruzioni per completare l'accesso.",
        ),
    ),
    DemoCategory(
        code="proposte",
        group="Partecipazione",
        name="Proposte di miglioramento",
        help_text=(
            "Idee per migliorare il quartiere e i servizi del Comune: altri cittadini possono sostenerle."
        ),
        names={"en": "Improvement proposals", "ca": "Propostes de millora"},
        help_texts={
            "en": (
                "Ideas to improve your neighbourhood and the municipality's services; others can "
                "support them."
            ),
            "ca": (
                "Idees per millorar el barri i els serveis municipals; altres ciutadans hi poden "
                "donar suport."
            ),
        },
        office="urp",
        kinds="proposal",
        supports_threshold=50,
        weight=0,
        fix_days=60,
        urgent=0.0,
        high=0.03,
        variants=(
            Variant(
                {},
                (
                    "Più rastrelliere per bici in {via}",
                    "Bike sharing anche in {via}",
                ),
                (
                    "Le rastrelliere esistenti sono sempre piene e le bici vengono legate ai pali.",
                    "Molti studenti e lavoratori arrivano in bicicletta.",
                    "Una stazione di bike sharing servirebbe anche chi arriva in treno.",
                ),
            ),
            Variant(
                {},
                (
                    "Una casa dell'acqua in {via}",
                    "Fontanella nel parco di {via}",
                ),
                (
                    "Una casa dell'acqua ridurrebbe le bottiglie di plastica.",
                    "D'estate nel parco non c'è un punto dove bere.",
                    "In altri quartieri funziona molto bene.",
                ),
            ),
            Variant(
                {},
                (
                    "Area cani nel giardino di {via}",
                    "Orti urbani nell'area verde di {via}",
                ),
                (
                    "Nel quartiere ci sono tanti cani e nessuno spazio dedicato.",
                    "L'area verde è poco usata e potrebbe ospitare orti per gli anziani e le scuole.",
                    "Il comitato di quartiere è disponibile a occuparsene.",
                ),
            ),
            Variant(
                {},
                (
                    "Zona 30 davanti alle scuole in {via}",
                    "Un attraversamento pedonale rialzato in {via}",
                    "Pedonalizzare {via} la domenica",
                ),
                (
                    "Molti genitori accompagnano i figli a piedi e le auto passano troppo veloci.",
                    "Un attraversamento rialzato obbligherebbe a rallentare.",
                    "La domenica la strada potrebbe diventare uno spazio per giocare e passeggiare.",
                    "In altre città questa soluzione funziona molto bene.",
                ),
            ),
            Variant(
                {},
                (
                    "Panchine e ombra lungo {via}",
                    "Più cestini per la raccolta differenziata in {via}",
                    "Illuminare il percorso pedonale di {via}",
                ),
                (
                    "D'estate non c'è un punto d'ombra dove sedersi.",
                    "I cestini sono pochi e sempre pieni.",
                    "La sera il percorso pedonale è buio e poco sicuro.",
                    "Sarebbe utile per le famiglie e gli anziani del quartiere.",
                ),
            ),
        ),
        resolutions=(
            "La proposta è stata valutata dalla Giunta.",
            "La proposta è stata discussa in Consiglio di quartiere.",
            "Grazie: la proposta è stata inserita nel bilancio partecipativo.",
        ),
    ),
)

#: Proposals' outcomes and the notes that explain them.
PROPOSAL_OUTCOMES: tuple[tuple[str, float, str], ...] = (
    ("accepted", 0.3, "La proposta è stata accolta e inserita nel programma dei lavori."),
    ("implemented", 0.25, "La proposta è stata realizzata. Grazie per il contributo!"),
    (
        "not_accepted",
        0.45,
        (
            "La proposta non è stata accolta: non è compatibile con il piano della mobilità e con il "
            "bilancio di quest'anno."
        ),
    ),
)

#: The reason a "not accepted" official answer gives (the answer's text is the outcome's note).
NOT_ACCEPTED_REASON = "Non compatibile con il piano della mobilità e con il bilancio di quest'anno."

REJECT_REASONS: tuple[str, ...] = (
    "La segnalazione riguarda un'area privata: non è di competenza del Comune.",
    "La segnalazione è di competenza del gestore del servizio idrico: è stata inoltrata a Hera S.p.A.",
    "La segnalazione riguarda una linea dell'autobus: è stata inoltrata a TPER.",
    "Segnalazione non pertinente: non descrive un problema che il Comune può risolvere.",
    "Le informazioni fornite non permettono di individuare il luogo del problema.",
    "Contenuto non conforme alle regole di utilizzo del servizio.",
    "La strada è di competenza della Città metropolitana: la segnalazione è stata inoltrata.",
)

SUSPEND_REASONS: tuple[str, ...] = (
    "In attesa dell'intervento del gestore del servizio idrico (Hera S.p.A.).",
    "In attesa di ulteriori informazioni dal cittadino.",
    "In attesa dell'autorizzazione della Soprintendenza.",
    "Intervento programmato: in attesa della fornitura dei materiali.",
    "In attesa del parere dell'ufficio Mobilità.",
)

# -- Bologna ------------------------------------------------------------------

#: The area used when the host has not set CITIZENCARE_AREA to a bbox (lon/lat).
BOLOGNA_BBOX: tuple[float, float, float, float] = (11.23, 44.42, 11.43, 44.56)
BOLOGNA_CENTRE: tuple[float, float] = (11.3428, 44.4939)  # Piazza Maggiore (lon, lat)


@dataclass(frozen=True)
class Neighbourhood:
    name: str
    lat: float
    lon: float
    #: Standard deviation of the cluster, in km.
    spread_km: float
    weight: float
    streets: tuple[str, ...] = field(default_factory=tuple)


# fmt: off
NEIGHBOURHOODS: tuple[Neighbourhood, ...] = (
    Neighbourhood("Centro storico", 44.4939, 11.3428, 0.45, 22, (
        "Via dell'Indipendenza", "Via Rizzoli", "Via Ugo Bassi", "Strada Maggiore", "Via San Vitale",
        "Via Zamboni", "Via Santo Stefano", "Via Castiglione", "Via D'Azeglio", "Via Farini",
        "Via Galliera", "Via del Pratello", "Via Marsala", "Via Guerrazzi", "Via delle Moline",
        "Via Augusto Righi", "Via Oberdan", "Via San Felice", "Via Belle Arti",
        "Via del Borgo di San Pietro", "Via Riva di Reno", "Via Nazario Sauro", "Via Guglielmo Marconi",
        "Via de' Carbonesi", "Via Barberia", "Via Mascarella", "Via Petroni", "Piazza Aldrovandi",
        "Via Irnerio", "Via Nosadella", "Piazza San Francesco",
    )),
    Neighbourhood("Bolognina", 44.5123, 11.3468, 0.55, 9, (
        "Via Ferrarese", "Via di Corticella", "Via Giacomo Matteotti", "Via Tibaldi",
        "Via Aristotile Fioravanti", "Via Alessandro Algardi", "Via Franco Bolognese",
        "Via Niccolò dall'Arca", "Via Jacopo della Quercia", "Via Carracci", "Via Stalingrado",
        "Piazza dell'Unità", "Via Serlio", "Via Donato Creti", "Via di Saliceto", "Via dell'Arcoveggio",
    )),
    Neighbourhood("Corticella", 44.5330, 11.3520, 0.7, 5, (
        "Via di Corticella", "Via dei Giardini", "Via William Shakespeare", "Via Lord Byron",
        "Via Massimo Gorki", "Via Erbosa", "Via dell'Arcoveggio", "Via Bentini",
    )),
    Neighbourhood("Lame", 44.5200, 11.3250, 0.6, 5, (
        "Via Marco Polo", "Via di Bertalia", "Via della Beverara", "Via Cristoforo Colombo",
        "Via Vasco de Gama", "Via Ferdinando Magellano", "Via Amerigo Vespucci",
    )),
    Neighbourhood("San Donato", 44.5065, 11.3720, 0.6, 7, (
        "Via San Donato", "Via del Lavoro", "Via Zanolini", "Via Vezza", "Via Garavaglia",
        "Via Sighinolfi", "Via Gandusio", "Viale Aldo Moro", "Via Andreini",
    )),
    Neighbourhood("Pilastro", 44.5150, 11.3950, 0.5, 3, (
        "Via Luigi Pirandello", "Via Frati", "Via Casini", "Via Emilio Salgari",
    )),
    Neighbourhood("San Vitale", 44.4960, 11.3700, 0.6, 7, (
        "Via Massarenti", "Via Vizzani", "Via Sante Vincenzi", "Via Libia", "Via Scandellara",
        "Via Bentivogli", "Via Ristori", "Via delle Rimesse", "Via Larga",
    )),
    Neighbourhood("Savena", 44.4780, 11.3830, 0.7, 7, (
        "Via Emilia Levante", "Via Arno", "Via Po", "Via Lombardia", "Via Toscana", "Via Abruzzi",
        "Via Populonia", "Via Mondolfo", "Via Faenza", "Via Genova",
    )),
    Neighbourhood("Mazzini", 44.4860, 11.3760, 0.5, 4, (
        "Via Giuseppe Mazzini", "Via del Fossolo", "Via Abramo Lincoln", "Via Giovanni Dagnini",
    )),
    Neighbourhood("Murri", 44.4830, 11.3590, 0.55, 6, (
        "Via Augusto Murri", "Via Dante", "Via Orfeo", "Via Siepelunga", "Via Putti",
        "Via Castiglione", "Via Santo Stefano",
    )),
    Neighbourhood("Colli", 44.4680, 11.3350, 1.0, 2, (
        "Via di San Mamolo", "Via dei Colli", "Via di Casaglia", "Via Codivilla", "Via di Gaibola",
        "Via dell'Osservanza", "Via di Roncrio",
    )),
    Neighbourhood("Saragozza", 44.4880, 11.3230, 0.6, 6, (
        "Via Saragozza", "Via Andrea Costa", "Via Filippo Turati", "Via Guidotti", "Via Sabotino",
        "Via Pasubio", "Via Audinot", "Via Bellinzona", "Via dello Sport",
    )),
    Neighbourhood("Porto", 44.5030, 11.3230, 0.55, 6, (
        "Via Zanardi", "Via Lame", "Via Malvasia", "Via Bovi Campeggi", "Via Pier de' Crescenzi",
        "Via Aurelio Saffi", "Via Prati di Caprara", "Via Don Minzoni",
    )),
    Neighbourhood("Reno", 44.4940, 11.2960, 0.6, 5, (
        "Via Emilia Ponente", "Via Battindarno", "Via Felice Battaglia", "Via Speranza",
        "Via Pietro Nenni", "Via della Pietra",
    )),
    Neighbourhood("Borgo Panigale", 44.5120, 11.2820, 0.7, 4, (
        "Via Marco Emilio Lepido", "Via Antonio Cavalieri Ducati", "Via Normandia", "Via Rigosa",
        "Via Caduti di Amola", "Via Panigale",
    )),
)

#: Share of reports placed anywhere in the area rather than near a centre.
BACKGROUND_WEIGHT = 2.0

# -- people -------------------------------------------------------------------

FIRST_NAMES: tuple[str, ...] = (
    "Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Andrea", "Sara", "Matteo",
    "Martina", "Lorenzo", "Elena", "Davide", "Valentina", "Simone", "Federica", "Stefano", "Silvia",
    "Paolo", "Laura", "Giovanni", "Anna", "Roberto", "Alessia", "Francesco", "Elisa", "Riccardo",
    "Paola", "Giorgio", "Roberta", "Antonio", "Monica", "Massimo", "Cristina", "Fabio", "Barbara",
    "Daniele", "Serena", "Michele", "Ilaria", "Alberto", "Giorgia", "Enrico", "Beatrice", "Filippo",
    "Sofia", "Tommaso", "Aurora", "Nicola", "Camilla", "Gabriele", "Alice", "Mattia", "Eleonora",
    "Claudio", "Rita", "Giuseppe", "Maria", "Luigi", "Rosa", "Franco", "Carla", "Sergio", "Lucia",
    "Emanuele", "Marta", "Pietro", "Irene", "Vittorio", "Angela", "Leonardo", "Giovanna", "Ivano",
    "Loredana", "Gianni", "Nadia", "Mirko", "Daniela", "Raffaele", "Teresa",
)

LAST_NAMES: tuple[str, ...] = (
    "Rossi", "Bianchi", "Ferrari", "Esposito", "Russo", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
    "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
    "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Serra",
    "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferri", "Fabbri", "Marini",
    "Grasso", "Valentini", "Sala", "De Angelis", "Gatti", "Pellegrini", "Farina", "Rizzi", "Monti",
    "Morelli", "Amato", "Silvestri", "Testa", "Grassi", "Giuliani", "Benedetti", "Guerra",
    "Palmieri", "Bernardi", "Fiore", "Ferretti", "Bellini", "Donati", "Battaglia", "Neri", "Milani",
    "Bertoni", "Cavazza", "Malaguti", "Zanotti", "Guidi", "Rimondi", "Tinarelli", "Zucchini",
    "Gamberini", "Stanzani", "Scagliarini", "Baraldi", "Magagnoli", "Bonetti", "Govoni", "Montanari",
    "Sabbatini", "Zaccarelli", "Bonfiglioli", "Lambertini", "Fini", "Tugnoli", "Venturi", "Nanni",
)

#: Residents born abroad, for some of the reporters.
OTHER_NAMES: tuple[tuple[str, str], ...] = (
    ("Mohamed", "El Amrani"), ("Fatima", "Benali"), ("Elena", "Popescu"), ("Andrei", "Ionescu"),
    ("Wei", "Chen"), ("Li", "Zhang"), ("Olena", "Kovalenko"), ("Maria", "Garcia"), ("Ahmed", "Khan"),
    ("Aisha", "Diallo"), ("Rahul", "Sharma"), ("Ana", "Petrovic"), ("Jordi", "Puig"), ("Laia", "Ferrer"),
    ("Sarah", "Miller"), ("Thomas", "Müller"),
)

MOBILE_PREFIXES: tuple[str, ...] = (
    "320", "324", "328", "329", "331", "333", "334", "335", "338", "339", "340", "342", "345", "347",
    "348", "349", "350", "351", "366", "370", "377", "380", "388", "389", "391", "392", "393",
)
# fmt: on

EMAIL_DOMAINS: tuple[str, ...] = ("example.org", "example.net", "example.com")


# -- response templates ---------------------------------------------------------

#: (code, title, body, language, category, status): the canned replies operators insert in a case;
#: none is sent by itself (auto_send stays off), so the demo's mails are only the ones people cause.
TEMPLATES: tuple[tuple[str, str, str, str, str | None, str | None], ...] = (
    (
        "demo-presa-in-carico",
        "Presa in carico",
        "Gentile cittadina, gentile cittadino,\n\nla sua segnalazione {numero} ({categoria}) è stata presa "
        "in carico e inoltrata all'ufficio competente. La terremo informata.\n\nCordiali saluti,\nURP",
        "it",
        None,
        "acknowledged",
    ),
    (
        "demo-taken-in-charge",
        "Taken in charge",
        "Dear citizen,\n\nyour report {number} ({category}) has been taken in charge and sent to the "
        "office responsible. We will keep you informed.\n\nKind regards,\nURP",
        "en",
        None,
        "acknowledged",
    ),
    (
        "demo-intervento-concluso",
        "Intervento concluso",
        "Gentile cittadina, gentile cittadino,\n\nl'intervento richiesto con la segnalazione {numero} "
        "è stato eseguito. Se il problema persiste può rispondere a questo messaggio."
        "\n\nCordiali saluti,\nURP",
        "it",
        None,
        "resolved",
    ),
    (
        "demo-non-di-competenza",
        "Non di competenza comunale",
        "Gentile cittadina, gentile cittadino,\n\nquanto indicato nella segnalazione {numero} non è di "
        "competenza del Comune: le consigliamo di rivolgersi al gestore interessato."
        "\n\nCordiali saluti,\nURP",
        "it",
        None,
        "rejected",
    ),
    (
        "demo-buca-messa-in-sicurezza",
        "Buca messa in sicurezza",
        "La buca segnalata ({numero}) è stata transennata; la riparazione definitiva è in programma "
        "nelle prossime settimane.",
        "it",
        "buche-strade",
        None,
    ),
    (
        "demo-lampione-sostituito",
        "Lampada sostituita",
        "La lampada del punto luce segnalato ({numero}) è stata sostituita. Grazie della segnalazione.",
        "it",
        "illuminazione",
        "resolved",
    ),
)
