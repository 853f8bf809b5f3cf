#!/usr/bin/env python3
"""Writes garbell's quickstart sample inputs into this directory.

Usage: pip install warcio && python3 make_samples.py

- web.warc.gz: a Common Crawl-like WARC (one gzip member per record) with 30 HTML pages in
  seven languages, each with the usual boilerplate around the article (header, menu,
  breadcrumbs, related links, cookie banner, footer), two non-HTML responses, a request and a
  warcinfo record.
- docs.jsonl.gz: 40 JSON Lines documents (id, text, url, date) in the same languages plus a
  few very short and non-European ones, so that filters have something to drop.
- wiki.xml.bz2: a MediaWiki XML dump in the multistream layout (siteinfo, pages, footer each
  its own bz2 stream) with six encyclopedia-style articles in wikitext (templates, references,
  links, tables, files, categories), a redirect and a talk page (both skipped by the reader).
- docs.parquet: a Hugging Face-style Parquet export (id, url, text, date; zstd) with eight
  documents.

pip install warcio pyarrow for the whole set.

Every text was written for garbell (CC0). Output is deterministic (fixed ids, dates, mtime 0).
"""

import gzip
import io
import json
import os
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))

# Site chrome per language: site name, menu entries, "related", cookie notice, rights.
CHROME = {
    "ca": ("Diari del Barri", ["Inici", "Notícies", "Cultura", "Esports", "Agenda", "Contacte"],
           "Articles relacionats", "Aquest lloc fa servir galetes. Accepta-les per continuar.",
           "Tots els drets reservats"),
    "es": ("La Gaceta Local", ["Inicio", "Noticias", "Cultura", "Deportes", "Agenda", "Contacto"],
           "Artículos relacionados", "Este sitio usa cookies. Acéptalas para continuar.",
           "Todos los derechos reservados"),
    "en": ("Riverside Weekly", ["Home", "News", "Culture", "Sport", "Events", "Contact"],
           "Related stories", "This site uses cookies. Accept them to continue.",
           "All rights reserved"),
    "fr": ("Le Petit Quotidien", ["Accueil", "Actualités", "Culture", "Sports", "Agenda", "Contact"],
           "À lire aussi", "Ce site utilise des cookies. Acceptez-les pour continuer.",
           "Tous droits réservés"),
    "de": ("Stadtanzeiger", ["Start", "Nachrichten", "Kultur", "Sport", "Termine", "Kontakt"],
           "Mehr zum Thema", "Diese Seite verwendet Cookies. Bitte stimmen Sie zu.",
           "Alle Rechte vorbehalten"),
    "it": ("Il Giornale del Borgo", ["Home", "Notizie", "Cultura", "Sport", "Eventi", "Contatti"],
           "Articoli correlati", "Questo sito usa i cookie. Accettali per continuare.",
           "Tutti i diritti riservati"),
    "pt": ("Jornal da Vila", ["Início", "Notícias", "Cultura", "Desporto", "Agenda", "Contacto"],
           "Leia também", "Este site usa cookies. Aceite-os para continuar.",
           "Todos os direitos reservados"),
}

# (language, slug, title, paragraphs, charset, where the charset is declared)
PAGES = [
    ("ca", "biblioteca-horari", "La biblioteca del barri amplia l'horari", [
        "A partir del mes que ve, la biblioteca del barri obrirà també els dissabtes a la tarda i "
        "els diumenges al matí. La decisió arriba després que els veïns recollissin més de mil "
        "signatures demanant més hores per estudiar i llegir, sobretot en època d'exàmens.",
        "La directora explica que l'ampliació ha estat possible gràcies a dues noves "
        "contractacions i a un grup de voluntaris que s'encarregarà de l'espai infantil. "
        "Durant els caps de setmana també hi haurà contes per als més petits i un taller de "
        "reparació de llibres per a qui vulgui aprendre a enquadernar.",
        "Els usuaris habituals s'han mostrat satisfets. Una estudiant de batxillerat comentava "
        "ahir que fins ara havia d'anar fins al centre de la ciutat per trobar una sala oberta, "
        "i que ara podrà quedar-se a prop de casa i estalviar-se una hora de trajecte.",
    ], "utf-8", "header"),
    ("ca", "pa-de-pages", "Com preparar un pa de pagès a casa", [
        "Fer pa a casa és més senzill del que sembla. Només cal farina, aigua, sal i una mica de "
        "llevat, però sobretot paciència. La massa ha de reposar diverses hores perquè el pa "
        "tingui una molla esponjosa i una crosta cruixent.",
        "Barregeu cinc-cents grams de farina amb tres-cents cinquanta mil·lilitres d'aigua tèbia "
        "i deixeu-ho reposar mitja hora. Després afegiu-hi la sal i el llevat, pasteu uns deu "
        "minuts i deixeu que la massa dobli el volum en un lloc càlid.",
        "Quan la massa hagi pujat, doneu-li forma de bola, poseu-la sobre un drap enfarinat i "
        "deixeu-la fermentar una hora més. Coeu-la a forn ben calent, amb un recipient d'aigua "
        "a la base, durant uns quaranta minuts. Deixeu-la refredar abans de tallar-la.",
    ], "utf-8", "meta"),
    ("ca", "ruta-delta", "Ruta en bicicleta pel delta de l'Ebre", [
        "El delta de l'Ebre és un dels millors llocs de Catalunya per anar en bicicleta. El "
        "terreny és pla, hi ha camins tranquils entre els arrossars i, a la primavera, els "
        "camps inundats reflecteixen el cel com si fossin miralls.",
        "Nosaltres vam sortir de Deltebre de bon matí i vam seguir el riu fins a la "
        "desembocadura. Pel camí vam veure flamencs, bernats pescaires i algun ànec que "
        "s'amagava entre les canyes. Al migdia vam dinar un arròs a la cassola en un restaurant "
        "petit al costat del far.",
        "A la tarda el vent va girar i la tornada se'ns va fer més llarga del previst. Si hi "
        "aneu, porteu aigua de sobres, crema solar i un mapa, perquè als camins interiors "
        "gairebé no hi ha senyals.",
    ], "utf-8", "header"),
    ("ca", "cor-cinquanta-anys", "El cor de la parròquia celebra cinquanta anys", [
        "El cor de la parròquia de Sant Jaume fa cinquanta anys i ho celebrarà amb un concert "
        "especial el darrer diumenge de maig. Hi participaran cantaires de totes les èpoques, "
        "alguns dels quals van entrar al cor quan encara eren infants.",
        "Durant aquests anys el cor ha actuat a gairebé totes les festes majors de la comarca i "
        "ha enregistrat dos discos amb cançons tradicionals. El director actual, que va agafar "
        "la batuta fa quinze anys, diu que el secret és que tothom s'hi sent com a casa.",
        "Les entrades seran gratuïtes, però caldrà reservar-les a la rectoria perquè l'església "
        "té un aforament limitat. Després del concert hi haurà coca i xocolata per a tothom.",
    ], "utf-8", "header"),
    ("ca", "estalviar-aigua", "Consells per estalviar aigua a l'estiu", [
        "Amb la calor, el consum d'aigua a les cases augmenta molt. Hi ha petits gestos que "
        "ajuden a reduir-lo sense renunciar a la comoditat, i que a final de mes també es noten "
        "a la factura.",
        "Regar el jardí a primera hora del matí o al vespre evita que l'aigua s'evapori abans "
        "d'arribar a les arrels. Una dutxa curta gasta molt menys que un bany, i tancar l'aixeta "
        "mentre ens rentem les dents pot estalviar diversos litres cada dia.",
        "També convé revisar les cisternes i les aixetes: una gota contínua pot malbaratar "
        "milers de litres a l'any. Si teniu terrassa, una galleda sota el canal recull l'aigua "
        "de pluja per a les plantes.",
    ], "utf-8", "header"),
    ("es", "mercado-abastos", "Un paseo por el mercado de abastos", [
        "El mercado de abastos abre a las siete de la mañana, pero a esa hora ya hay gente "
        "esperando en la puerta. Los primeros en llegar suelen ser los dueños de los bares del "
        "barrio, que compran pescado y verdura para el menú del día.",
        "Dentro, el ruido es constante: los vendedores anuncian sus ofertas, las balanzas "
        "suenan y alguien siempre pregunta por el precio de los tomates. Doña Carmen, que lleva "
        "cuarenta años en el puesto de frutas, dice que los clientes han cambiado, pero que "
        "todos siguen queriendo probar antes de comprar.",
        "Este año el ayuntamiento ha arreglado el tejado y ha puesto nuevas cámaras frigoríficas. "
        "Los comerciantes esperan que las obras atraigan a gente joven, que hoy prefiere hacer "
        "la compra en el supermercado o por internet.",
    ], "iso-8859-1", "header"),
    ("es", "plantas-interior", "Cómo cuidar las plantas de interior en invierno", [
        "En invierno las plantas de interior reciben menos luz y crecen más despacio, así que "
        "necesitan menos agua de lo que solemos pensar. El error más común es regarlas igual "
        "que en verano, lo que acaba pudriendo las raíces.",
        "Lo mejor es tocar la tierra con el dedo antes de regar: si los primeros centímetros "
        "están secos, es el momento. Conviene alejarlas de los radiadores, porque el aire "
        "caliente y seco les quema las hojas, y acercarlas a la ventana más luminosa de la casa.",
        "Tampoco es buena época para abonar ni para cambiarlas de maceta. Basta con limpiar el "
        "polvo de las hojas de vez en cuando y esperar a la primavera, cuando vuelvan a crecer "
        "con fuerza.",
    ], "utf-8", "header"),
    ("es", "baloncesto-juvenil", "El equipo juvenil de baloncesto gana la liga", [
        "El equipo juvenil del club de baloncesto se proclamó campeón de liga el sábado tras "
        "ganar un partido muy ajustado en el último minuto. El pabellón estaba lleno de "
        "familias y amigos que no dejaron de animar durante todo el encuentro.",
        "El entrenador destacó el trabajo del grupo durante toda la temporada y recordó que "
        "muchos de los jugadores empezaron en la escuela del club con apenas seis años. La "
        "capitana, que anotó los últimos puntos, dedicó la victoria a su abuelo.",
        "El próximo mes el equipo viajará a Zaragoza para disputar la fase final del "
        "campeonato. El club ha organizado una rifa para ayudar a pagar el autobús y el "
        "alojamiento.",
    ], "utf-8", "header"),
    ("es", "puente-de-piedra", "Historia del viejo puente de piedra", [
        "El puente de piedra que cruza el río a la entrada del pueblo tiene más de trescientos "
        "años. Según los documentos del archivo municipal, se construyó para sustituir a uno "
        "de madera que una crecida se llevó en pleno invierno.",
        "Durante siglos fue el único paso para los carros que llevaban el grano al molino. Los "
        "mayores recuerdan que en las fiestas se colgaban farolillos de una orilla a otra y que "
        "los niños se bañaban bajo sus arcos en verano.",
        "Hoy solo lo cruzan peatones y ciclistas, pero sigue siendo la imagen más conocida del "
        "pueblo. La asociación cultural ha propuesto colocar un panel que explique su historia "
        "a los visitantes.",
    ], "utf-8", "meta"),
    ("es", "empezar-a-correr", "Guía para empezar a correr sin lesionarse", [
        "Mucha gente empieza a correr con entusiasmo y lo deja a las pocas semanas por culpa de "
        "una lesión. La clave está en ir poco a poco y escuchar al cuerpo, aunque las ganas "
        "nos pidan más.",
        "Las primeras semanas conviene alternar un minuto de carrera con dos de caminar, "
        "durante unos veinte minutos, tres días por semana. Cuando eso resulte cómodo, se puede "
        "alargar el tiempo de carrera y acortar el de caminar.",
        "Unas zapatillas adecuadas, un buen calentamiento y algo de estiramiento al terminar "
        "ayudan mucho. Si aparece un dolor que no se va con el descanso, lo sensato es parar y "
        "consultar a un profesional.",
    ], "utf-8", "header"),
    ("en", "river-froze", "The night the river froze", [
        "Older residents still talk about the winter of 1963, when the river froze from one "
        "bank to the other for the first time anyone could remember. For almost two weeks "
        "children skated where the ferry usually ran, and a baker sold hot buns from a table "
        "set up on the ice.",
        "The town archive keeps a handful of photographs from those days: men in long coats "
        "testing the ice with poles, a dog pulling a sledge, and a line of schoolgirls holding "
        "hands as they crossed to the other side. Local papers warned people to stay away, "
        "but few listened.",
        "When the thaw came, it came quickly. Great slabs of ice drifted downstream and piled up "
        "against the old bridge, and for a night the whole town stood on the bank listening to "
        "the cracking. The bridge held, and the ferry was back in service a week later.",
    ], "utf-8", "header"),
    ("en", "sourdough-starter", "A beginner's guide to sourdough starter", [
        "A sourdough starter is simply flour and water left to ferment until wild yeast and "
        "bacteria take hold. It sounds mysterious, but all it really needs is a clean jar, a "
        "little attention and about a week of patience.",
        "Mix equal weights of wholemeal flour and water, cover the jar loosely and leave it at "
        "room temperature. Every day, throw away half and feed what is left with fresh flour "
        "and water. After a few days you should see bubbles and smell something pleasantly sour.",
        "The starter is ready when it doubles in size within a few hours of feeding. Keep it in "
        "the fridge between bakes and feed it once a week. If a grey liquid forms on top, pour "
        "it off; it is a sign of hunger, not of failure.",
    ], "utf-8", "header"),
    ("en", "bus-shelters", "Why the town is repainting its bus shelters", [
        "Over the next month, every bus shelter in town will be repainted in a pale green chosen "
        "by pupils from the two primary schools. The council says the project costs less than "
        "replacing a single shelter and will make the stops easier to spot.",
        "The idea came from a group of older residents who complained that the grey shelters "
        "were hard to see at dusk. The schools ran a small competition, and the winning colour "
        "was picked because, in the words of one nine-year-old, it looks like spring.",
        "Volunteers will do the painting on Saturday mornings. Anyone who wants to help can sign "
        "up at the library, and the hardware shop on the high street has offered brushes and "
        "rollers for free.",
    ], "utf-8", "header"),
    ("en", "birdwatching-coast", "Notes from a week of birdwatching on the coast", [
        "I spent the last week of September on the coast with a pair of binoculars, a notebook "
        "and very low expectations. The weather was grey and windy, which, as it turns out, is "
        "exactly what you want when birds are on the move.",
        "On the first morning a flock of knots swept over the mudflats like smoke. Later I "
        "watched a kestrel hover above the dunes for minutes at a time, barely moving its wings. "
        "The highlight was a tired little warbler that landed on the fence beside me and stayed "
        "long enough for a proper look.",
        "By the end of the week my list had reached fifty-three species, far more than I had "
        "hoped for. I have already booked the same cottage for next autumn.",
    ], "utf-8", "meta"),
    ("fr", "marche-aux-fleurs", "Le marché aux fleurs rouvre ses portes", [
        "Après deux ans de travaux, le marché aux fleurs a rouvert samedi matin sous un soleil "
        "timide. Les habitants sont venus nombreux pour retrouver les étals de tulipes, de "
        "jacinthes et de plantes aromatiques qui faisaient la réputation du quartier.",
        "La halle a été entièrement rénovée : la charpente a été consolidée, les vitres "
        "remplacées et un nouvel éclairage installé. Les fleuristes disposent désormais d'un "
        "point d'eau chacun, ce qui leur facilite beaucoup le travail.",
        "Le marché sera ouvert du mardi au dimanche, de huit heures à midi. Un café s'installera "
        "bientôt à l'entrée, et des ateliers de jardinage pour les enfants sont prévus chaque "
        "premier mercredi du mois.",
    ], "iso-8859-1", "header"),
    ("fr", "chambre-a-air", "Réparer soi-même une chambre à air", [
        "Une crevaison n'a rien de dramatique quand on sait réparer une chambre à air. Il suffit "
        "de démonte-pneus, d'une rustine, d'un peu de colle et d'une pompe, le tout tenant dans "
        "une petite sacoche.",
        "Commencez par retirer la roue, puis dégagez le pneu avec les démonte-pneus et sortez la "
        "chambre à air. Gonflez-la légèrement et passez-la près de votre oreille ou dans une "
        "bassine d'eau pour trouver le trou.",
        "Poncez la zone autour du trou, appliquez la colle, attendez qu'elle sèche et posez la "
        "rustine en appuyant fort. Avant de tout remonter, vérifiez l'intérieur du pneu : une "
        "épine oubliée vous ferait crever de nouveau au bout de quelques mètres.",
    ], "utf-8", "header"),
    ("fr", "semaine-vosges", "Une semaine dans les Vosges", [
        "Nous avons passé une semaine dans un petit village des Vosges, entre forêts de sapins "
        "et lacs d'altitude. Chaque matin, nous partions à pied avec un sandwich et une carte, "
        "sans vraiment savoir où la journée nous mènerait.",
        "Le plus beau souvenir reste la montée au Hohneck, sous un ciel parfaitement dégagé. Du "
        "sommet, on apercevait la plaine d'Alsace et, très loin, la ligne bleue de la Forêt-Noire. "
        "Le soir, nous goûtions les fromages de la ferme voisine.",
        "Le dernier jour, la pluie s'est invitée et nous avons visité une ancienne filature "
        "transformée en musée. Le guide, fils d'ouvrier, racontait l'histoire de la vallée avec "
        "beaucoup d'émotion.",
    ], "utf-8", "meta"),
    ("fr", "club-de-lecture", "La médiathèque lance un club de lecture", [
        "La médiathèque municipale lance un club de lecture ouvert à tous les adultes. Les "
        "participants se retrouveront un jeudi soir par mois pour discuter d'un livre choisi "
        "ensemble, autour d'un thé ou d'un café.",
        "Pour la première séance, les bibliothécaires proposent un roman court, facile à trouver "
        "en format poche, afin que personne ne soit découragé. Les titres suivants seront votés "
        "par les membres à la fin de chaque rencontre.",
        "L'inscription est gratuite mais les places sont limitées à quinze personnes. Il suffit "
        "de passer à l'accueil ou d'appeler la médiathèque aux heures d'ouverture.",
    ], "utf-8", "header"),
    ("de", "wochenmarkt", "Der Wochenmarkt zieht um", [
        "Der Wochenmarkt findet ab dem ersten Juni nicht mehr auf dem Kirchplatz, sondern auf dem "
        "neu gestalteten Platz vor dem Rathaus statt. Die Händler haben sich nach langen "
        "Gesprächen mit der Stadt für den Umzug entschieden.",
        "Auf dem neuen Platz gibt es mehr Schatten, Stromanschlüsse für alle Stände und genug "
        "Fahrradständer. Außerdem können Lieferwagen über eine Seitenstraße anfahren, ohne "
        "durch die Fußgängerzone zu müssen.",
        "Einige ältere Kundinnen bedauern den Abschied vom Kirchplatz, wo der Markt seit über "
        "hundert Jahren stattfand. Die Stadt verspricht, dort künftig im Advent einen kleinen "
        "Weihnachtsmarkt aufzubauen.",
    ], "windows-1252", "meta"),
    ("de", "tulpenzwiebeln", "Wie man im Herbst Tulpenzwiebeln pflanzt", [
        "Wer im Frühling einen bunten Garten haben möchte, muss im Herbst vorsorgen. Tulpenzwiebeln "
        "kommen am besten im Oktober oder November in die Erde, wenn der Boden schon kühl, aber "
        "noch nicht gefroren ist.",
        "Als Faustregel gilt: Die Zwiebel wird etwa doppelt so tief gesetzt, wie sie hoch ist, "
        "mit der Spitze nach oben. Ein sonniger Platz mit lockerem, durchlässigem Boden ist "
        "ideal, denn in Staunässe faulen die Zwiebeln schnell.",
        "Nach dem Pflanzen wird einmal kräftig gegossen, danach braucht es bis zum Frühjahr kaum "
        "Pflege. Gegen hungrige Wühlmäuse helfen kleine Drahtkörbe, in die man die Zwiebeln "
        "setzt.",
    ], "utf-8", "header"),
    ("de", "nachtzug-wien", "Mit dem Nachtzug nach Wien", [
        "Um kurz nach neun Uhr abends rollte der Nachtzug aus dem Bahnhof. Im Abteil warteten "
        "frisch bezogene Betten, eine kleine Flasche Wasser und ein Zettel, auf dem man das "
        "Frühstück ankreuzen konnte.",
        "Anfangs war an Schlaf kaum zu denken, zu spannend war der Blick auf die vorbeiziehenden "
        "Lichter. Irgendwann wiegte das gleichmäßige Rattern dann doch alle in den Schlaf, und "
        "erst an der Grenze weckte uns eine kurze Durchsage.",
        "Am Morgen brachte der Schaffner Kaffee und Brötchen, während draußen schon die Donau "
        "zu sehen war. Pünktlich um halb sieben standen wir ausgeruht in Wien, bereit für einen "
        "langen Tag in der Stadt.",
    ], "utf-8", "header"),
    ("de", "ehrenamtliche-trainer", "Der Sportverein sucht ehrenamtliche Trainer", [
        "Der Sportverein hat in diesem Jahr so viele neue Mitglieder wie noch nie, vor allem bei "
        "den Kindern. Das freut den Vorstand, stellt ihn aber auch vor ein Problem: Es fehlen "
        "Trainerinnen und Trainer.",
        "Gesucht werden Menschen, die einmal pro Woche eine Gruppe betreuen möchten. Erfahrung "
        "ist nicht zwingend nötig, denn der Verein bezahlt die Ausbildung zum Übungsleiter und "
        "stellt erfahrene Mitglieder als Ansprechpartner zur Seite.",
        "Wer Interesse hat, kann sich beim nächsten Vereinsabend im Clubheim melden oder einfach "
        "beim Training vorbeischauen. Der Vorsitzende betont, dass jede Hilfe willkommen ist, "
        "auch wenn sie nur für ein paar Monate möglich ist.",
    ], "utf-8", "header"),
    ("it", "sagra-settembre", "La sagra del paese torna a settembre", [
        "Dopo tre anni di pausa, la sagra del paese torna il secondo fine settimana di settembre. "
        "Il comitato organizzatore ha annunciato un programma ricco di musica, giochi per i "
        "bambini e, naturalmente, piatti della tradizione.",
        "In piazza saranno allestiti lunghi tavoli dove gustare polenta, salsicce e torte fatte "
        "in casa dalle signore del paese. La sera suonerà la banda comunale, seguita da un "
        "gruppo di giovani musicisti della valle.",
        "Il ricavato andrà alla scuola elementare, che vuole rinnovare la biblioteca e comprare "
        "nuovi strumenti per il laboratorio di scienze. Gli organizzatori cercano ancora "
        "volontari per i turni in cucina.",
    ], "utf-8", "header"),
    ("it", "ragu-domenica", "Come si prepara il ragù della domenica", [
        "Nella mia famiglia il ragù della domenica si comincia a preparare di prima mattina. La "
        "nonna diceva che il segreto è uno solo: il tempo. Un buon ragù deve cuocere piano, "
        "almeno tre ore, mescolato di tanto in tanto.",
        "Si parte da un soffritto di cipolla, carota e sedano tagliati finissimi, poi si aggiunge "
        "la carne macinata e la si lascia rosolare bene. Dopo una sfumata di vino rosso, arriva "
        "la passata di pomodoro con un pizzico di sale.",
        "A metà cottura la casa profuma già di festa. Il ragù si serve con le tagliatelle fresche "
        "e una spolverata di parmigiano, e quello che avanza diventa il condimento delle lasagne "
        "del mercoledì.",
    ], "utf-8", "meta"),
    ("it", "treno-costa-ligure", "In treno lungo la costa ligure", [
        "Il treno regionale che corre lungo la costa ligure è uno dei modi più belli per scoprire "
        "la regione. Tra una galleria e l'altra si aprono improvvisamente scorci di mare, paesi "
        "colorati e terrazze coltivate a ulivi.",
        "Siamo partiti da Genova la mattina presto e ci siamo fermati in tre paesi diversi, "
        "camminando tra i carruggi e mangiando focaccia ancora calda. Nel pomeriggio abbiamo "
        "fatto il bagno in una piccola spiaggia di sassi.",
        "Il consiglio è di evitare le ore di punta d'estate, quando i vagoni sono pieni di "
        "turisti, e di sedersi sul lato del mare per non perdere nemmeno un panorama.",
    ], "utf-8", "header"),
    ("it", "biblioteca-cento-anni", "La biblioteca civica compie cento anni", [
        "La biblioteca civica festeggia cento anni con una mostra di libri antichi, fotografie "
        "e lettere che raccontano la storia della città. L'esposizione resterà aperta fino alla "
        "fine dell'anno ed è a ingresso libero.",
        "Tra i pezzi più curiosi c'è il primo registro dei prestiti, scritto a mano con una "
        "calligrafia elegante, dove si legge che il libro più richiesto era un manuale di "
        "agricoltura. Non mancano i disegni dei bambini delle scuole degli anni Cinquanta.",
        "Per l'occasione la biblioteca ha anche prolungato l'orario serale e organizzato letture "
        "ad alta voce ogni venerdì, con attori e scrittori del territorio.",
    ], "utf-8", "header"),
    ("pt", "eletrico-colina", "O elétrico volta a circular na colina", [
        "Depois de quase um ano de obras, o elétrico voltou a subir a colina do bairro velho. "
        "Na primeira viagem, muitos moradores fizeram questão de estar presentes e aplaudiram "
        "quando a carruagem amarela apareceu na curva.",
        "As obras substituíram os carris, reforçaram o pavimento e instalaram novos postes de "
        "iluminação. A empresa de transportes garante que as viagens serão agora mais "
        "silenciosas e que os atrasos vão diminuir.",
        "Os comerciantes da rua principal estão especialmente contentes, porque durante as obras "
        "perderam muitos clientes. A padaria da esquina ofereceu café a todos os passageiros "
        "do primeiro dia.",
    ], "utf-8", "header"),
    ("pt", "pao-de-milho", "Como fazer pão de milho em casa", [
        "O pão de milho, ou broa, é um dos sabores mais antigos das aldeias do norte. A receita "
        "leva farinha de milho, um pouco de farinha de trigo, água morna, sal e fermento, e não "
        "exige nenhuma técnica difícil.",
        "Escalde a farinha de milho com água quente e deixe arrefecer. Junte depois a farinha de "
        "trigo, o fermento dissolvido e o sal, e amasse até obter uma massa húmida e pesada. "
        "Tape e deixe levedar num sítio quente durante cerca de duas horas.",
        "Molde uma bola com as mãos enfarinhadas e leve ao forno bem quente até a côdea ficar "
        "estalada e dourada. A broa acompanha muito bem um caldo verde ou umas sardinhas.",
    ], "utf-8", "meta"),
    ("pt", "fim-de-semana-alentejo", "Um fim de semana no Alentejo", [
        "O Alentejo convida a abrandar. Passámos um fim de semana numa pequena vila caiada de "
        "branco, onde o silêncio só era interrompido pelos sinos da igreja e pelo canto das "
        "cegonhas nos ninhos.",
        "No sábado visitámos uma herdade que produz azeite há várias gerações e provámos pão "
        "alentejano com azeite acabado de fazer. À tarde, caminhámos entre sobreiros até um "
        "miradouro de onde se via a planície até ao horizonte.",
        "Ao jantar, numa tasca familiar, comemos migas com carne de porco e um doce de ovos "
        "que a dona da casa fazia questão de recomendar. Regressámos a Lisboa com vontade de "
        "voltar na primavera.",
    ], "utf-8", "header"),
    ("pt", "cem-arvores", "A associação de moradores planta cem árvores", [
        "A associação de moradores plantou no domingo cem árvores ao longo da avenida principal "
        "e no parque infantil. A iniciativa juntou famílias inteiras, que passaram a manhã a "
        "cavar, plantar e regar.",
        "As espécies foram escolhidas com a ajuda de um técnico da câmara municipal, que deu "
        "preferência a árvores autóctones, resistentes à seca e com boa sombra no verão. Cada "
        "árvore tem agora uma pequena placa com o nome de quem a plantou.",
        "Nos próximos meses, os voluntários vão organizar turnos para regar as árvores mais "
        "novas. A associação espera repetir a iniciativa no outono noutros bairros da cidade.",
    ], "utf-8", "header"),
]

# (language, paragraphs) for docs.jsonl.gz.
DOCS = [
    ("ca", ["L'ajuntament ha anunciat que el carrer Major serà de vianants tots els diumenges "
            "a partir de la primavera. Els comerciants podran treure taules i cadires a fora, i "
            "les famílies podran passejar sense haver d'estar pendents dels cotxes.",
            "La mesura es revisarà al cap de sis mesos per veure si funciona."]),
    ("ca", ["Ahir a la nit va ploure tant que el torrent es va desbordar i va inundar els "
            "baixos de diverses cases. Els bombers van treballar fins a la matinada per treure "
            "l'aigua, i per sort no hi va haver cap ferit."]),
    ("ca", ["He llegit la novel·la en dues tardes i encara hi penso. La història d'aquella "
            "família de pescadors que ho perd tot després d'una tempesta està explicada amb una "
            "tendresa que fa que et quedis amb cada personatge.",
            "Potser el final és una mica precipitat, però la recomano de tot cor."]),
    ("ca", ["Busquem persones voluntàries per acompanyar gent gran a fer la compra un matí a la "
            "setmana. No cal experiència, només ganes de conversar i una mica de paciència. Si "
            "t'interessa, passa pel casal dimarts a la tarda."]),
    ("ca", ["Els alumnes de l'institut han construït un petit robot que classifica residus segons "
            "el material. El projecte ha quedat tercer en un concurs de ciència i tecnologia i "
            "els estudiants ja pensen en millorar-lo l'any que ve."]),
    ("es", ["La compañía de teatro del barrio estrena este viernes una obra escrita por sus "
            "propios actores. Cuenta la historia de una pensión de los años cincuenta y de los "
            "huéspedes que pasan por ella durante un verano caluroso.",
            "Las entradas se pueden comprar en la taquilla del centro cívico."]),
    ("es", ["Después de varios años cerrada, la piscina municipal volverá a abrir en junio. Las "
            "obras han incluido un vaso nuevo para los niños, vestuarios reformados y una zona "
            "de sombra con árboles."]),
    ("es", ["Si tu bicicleta hace un ruido raro al pedalear, lo más probable es que la cadena "
            "esté seca. Límpiala con un trapo, aplica unas gotas de aceite en cada eslabón y "
            "retira el sobrante. Notarás la diferencia enseguida."]),
    ("es", ["Esta semana los termómetros bajarán varios grados y se esperan heladas en las zonas "
            "de montaña. Protección Civil recomienda no viajar por carreteras secundarias a "
            "primera hora de la mañana y revisar el estado de los neumáticos."]),
    ("es", ["Mi abuela guardaba las recetas en un cuaderno lleno de manchas de aceite y notas en "
            "los márgenes. Este invierno lo hemos pasado a limpio entre todos los nietos para "
            "que nadie olvide cómo se hacían sus croquetas."]),
    ("en", ["The library's seed exchange returns this spring. Bring seeds you saved from last "
            "year's garden, or simply take a few packets home and try something new. Volunteers "
            "will be on hand on Saturday mornings to answer questions about sowing and care."]),
    ("en", ["After months of complaints about potholes, the council has finally resurfaced "
            "Station Road. Cyclists say the difference is remarkable, although some residents "
            "worry that the smooth surface will encourage drivers to go faster.",
            "A speed survey is planned for the summer."]),
    ("en", ["I did not expect to enjoy a book about the history of salt, but this one kept me "
            "reading late into the night. The author moves from ancient trade routes to kitchen "
            "habits with real curiosity and a light touch."]),
    ("en", ["Our choir is looking for new members, especially tenors and basses. We rehearse on "
            "Wednesday evenings in the church hall and sing everything from folk songs to "
            "Handel. You do not need to read music to join."]),
    ("en", ["Morning fog will clear slowly, giving way to a mild and mostly dry afternoon. A band "
            "of rain is expected to reach the west coast overnight, bringing stronger winds by "
            "Thursday."]),
    ("fr", ["La boulangerie de la place a changé de propriétaire, mais le pain est toujours "
            "aussi bon. Les nouveaux boulangers ont gardé les recettes de l'ancienne équipe et "
            "ajouté quelques viennoiseries qui ont déjà conquis le quartier."]),
    ("fr", ["Le conseil municipal a voté la création d'une piste cyclable entre la gare et le "
            "lycée. Les travaux commenceront cet été et devraient durer environ quatre mois.",
            "Les élèves pourront ainsi se rendre en cours à vélo en toute sécurité."]),
    ("fr", ["J'ai découvert ce petit restaurant par hasard, un soir de pluie. La carte est "
            "courte, les produits viennent des fermes voisines et le service est d'une "
            "gentillesse rare. Je reviendrai sans hésiter."]),
    ("fr", ["Pour conserver les herbes fraîches plus longtemps, enveloppez-les dans un torchon "
            "légèrement humide et placez-les dans le bac à légumes du réfrigérateur. Le basilic, "
            "lui, préfère rester dans un verre d'eau sur le plan de travail."]),
    ("fr", ["Les enfants de l'école primaire ont écrit et illustré un livre sur les oiseaux du "
            "parc. Il sera vendu à la kermesse de juin au profit d'une sortie scolaire à la mer."]),
    ("de", ["Die Stadtbibliothek bietet ab sofort auch Werkzeuge zum Ausleihen an, von der "
            "Bohrmaschine bis zur Leiter. Die Idee kam von einer Bürgerinitiative, die zeigen "
            "wollte, dass nicht jeder Haushalt alles selbst besitzen muss."]),
    ("de", ["Am Wochenende wird es sonnig und für die Jahreszeit ungewöhnlich warm. Erst am "
            "Montag ziehen von Westen Wolken auf, die am Abend den ersten Regen bringen.",
            "Die Nächte bleiben frostfrei."]),
    ("de", ["Ich habe das Buch an einem einzigen Wochenende gelesen. Die Geschichte einer "
            "Familie, die ein altes Gasthaus am See wiedereröffnet, ist warmherzig erzählt und "
            "nie kitschig."]),
    ("de", ["Wer Brot länger frisch halten möchte, sollte es nicht im Kühlschrank aufbewahren. "
            "Besser ist ein Brotkasten aus Holz oder Ton, in dem das Brot atmen kann, ohne "
            "auszutrocknen."]),
    ("de", ["Die Grundschule sucht Lesepaten, die einmal in der Woche mit einzelnen Kindern "
            "lesen. Es reicht eine Stunde Zeit und Freude am Vorlesen."]),
    ("it", ["Da lunedì il mercato del martedì si sposta in via Roma per permettere i lavori "
            "nella piazza principale. I banchi saranno gli stessi e gli orari non cambieranno."]),
    ("it", ["Questo romanzo racconta l'estate di due fratelli in un paese di montagna, tra "
            "segreti di famiglia e lunghe corse nei boschi. La scrittura è semplice ma piena di "
            "immagini che restano.",
            "Un libro perfetto da leggere sotto l'ombrellone."]),
    ("it", ["Per un risotto cremoso il brodo deve essere sempre caldo e va aggiunto poco alla "
            "volta. Alla fine, fuori dal fuoco, si manteca con burro e parmigiano e si lascia "
            "riposare un minuto prima di servire."]),
    ("it", ["Il gruppo escursionistico organizza una camminata al rifugio domenica prossima. "
            "Il ritrovo è alle sette davanti alla stazione; servono scarponi, acqua e pranzo al "
            "sacco."]),
    ("it", ["Nel fine settimana è prevista pioggia su gran parte del nord, con possibili "
            "temporali nel pomeriggio. Al sud il tempo resterà stabile e soleggiato."]),
    ("pt", ["A feira do livro regressa ao jardim municipal no próximo mês, com mais de quarenta "
            "bancas, sessões de autógrafos e leituras para crianças ao fim da tarde."]),
    ("pt", ["Para que o arroz não fique empapado, lave-o bem antes de cozinhar e use a medida "
            "certa de água. Depois de pronto, deixe-o repousar com a tampa fechada durante "
            "alguns minutos."]),
    ("pt", ["O clube de futebol da vila celebrou cinquenta anos com um jogo entre antigos e "
            "atuais jogadores. No final, todos se juntaram para um almoço no pavilhão.",
            "Foi um dia de muitas histórias e algumas lágrimas."]),
    ("pt", ["Li este livro de contos numa viagem de comboio e gostei muito. Cada história "
            "passa-se numa aldeia diferente e todas falam, de alguma forma, de regressos."]),
    ("pt", ["A câmara municipal vai instalar novos bebedouros nos parques da cidade antes do "
            "verão. A medida responde a um pedido antigo dos moradores e dos clubes de corrida."]),
    ("ja", ["今日は朝から雨が降っていたので、家で本を読んで過ごしました。午後には少し晴れて、"
            "近くの公園を散歩しました。"]),
    ("ar", ["افتتحت المكتبة العامة في المدينة قاعة جديدة للقراءة، ويمكن للجميع زيارتها "
            "يومياً من الصباح حتى المساء."]),
    ("ca", ["Gràcies!"]),
    ("en", ["ok"]),
    ("xx", ["👍👍👍"]),
]

DATE = "2024-04-15T10:%02d:00Z"


def rid(name):
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "garbell-sample:" + name)


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def page_html(lang, slug, title, paragraphs, charset, declared_in):
    site, menu, related, cookies, rights = CHROME[lang]
    meta = '<meta charset="%s">\n' % charset if declared_in == "meta" else ""
    nav = "".join('<li><a href="/%s">%s</a></li>' % (m.lower(), esc(m)) for m in menu)
    body = "\n".join("<p>%s</p>" % esc(p) for p in paragraphs)
    others = [p for p in PAGES if p[0] == lang and p[1] != slug][:3]
    rel = "".join('<li><a href="/%s">%s</a></li>' % (o[1], esc(o[2])) for o in others)
    return (
        '<!DOCTYPE html>\n<html lang="%(lang)s">\n<head>\n%(meta)s'
        "<title>%(title)s | %(site)s</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        "<script>window.dataLayer = window.dataLayer || []; dataLayer.push({page: '%(slug)s'});</script>\n"
        "</head>\n<body>\n"
        '<div id="cookie-banner" class="banner"><p>%(cookies)s</p><button>OK</button></div>\n'
        '<header class="site-header"><a class="logo" href="/">%(site)s</a>'
        '<form action="/search"><input name="q"><button>&#128269;</button></form></header>\n'
        '<nav class="menu"><ul>%(nav)s</ul></nav>\n'
        '<main>\n<article>\n<h1>%(title)s</h1>\n'
        '<p class="byline"><time datetime="2024-04-15">15/04/2024</time></p>\n'
        "%(body)s\n</article>\n"
        '<aside class="related"><h2>%(related)s</h2><ul>%(rel)s</ul></aside>\n</main>\n'
        '<footer><p>&copy; 2024 %(site)s &middot; %(rights)s</p>'
        '<ul class="social"><li>Facebook</li><li>Instagram</li></ul></footer>\n'
        "<!-- generated by make_samples.py -->\n</body>\n</html>\n"
    ) % {
        "lang": lang, "meta": meta, "title": esc(title), "site": esc(site), "slug": slug,
        "cookies": esc(cookies), "nav": nav, "body": body, "related": esc(related),
        "rel": rel, "rights": esc(rights),
    }


def web():
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")

    def record(name, uri, rtype, payload, n, http=None, content_type=None):
        kwargs = {"warc_content_type": content_type} if content_type else {}
        rec = w.create_warc_record(
            uri, rtype, payload=io.BytesIO(payload), length=len(payload), http_headers=http,
            warc_headers_dict={"WARC-Record-ID": rid(name), "WARC-Date": DATE % (n % 60)},
            **kwargs,
        )
        w.write_record(rec)

    record("info", "", "warcinfo",
           b"software: garbell make_samples.py\r\nformat: WARC File Format 1.1\r\n"
           b"description: garbell quickstart sample (CC0)\r\n", 0,
           content_type="application/warc-fields")
    for n, (lang, slug, title, paragraphs, charset, declared_in) in enumerate(PAGES, 1):
        host = "https://%s.example.org/%s" % (lang, slug)
        if n == 1:
            req = StatusAndHeaders("GET /%s HTTP/1.1" % slug,
                                   [("Host", "%s.example.org" % lang), ("User-Agent", "garbell-sample")],
                                   is_http_request=True)
            record("req-" + slug, host, "request", b"", n, http=req)
        html = page_html(lang, slug, title, paragraphs, charset, declared_in).encode(charset)
        ctype = "text/html; charset=%s" % charset if declared_in == "header" else "text/html"
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Server", "sample")],
                                protocol="HTTP/1.1")
        record("page-" + slug, host, "response", html, n, http=http)
        if n == 10:
            png = bytes.fromhex(
                "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
            http = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
            record("logo", "https://es.example.org/static/logo.png", "response", png, n, http=http)
        if n == 20:
            css = b"body { font-family: serif; margin: 0 auto; max-width: 40em; }\n"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/css")], protocol="HTTP/1.1")
            record("css", "https://de.example.org/static/site.css", "response", css, n, http=http)
    return buf.getvalue()


def docs():
    lines = []
    for n, (lang, paragraphs) in enumerate(DOCS):
        lines.append(json.dumps({
            "id": "sample-%03d" % n,
            "text": "\n".join(paragraphs),
            "url": "https://%s.example.org/docs/%d" % (lang, n),
            "date": "2024-%02d-%02d" % (1 + n % 12, 1 + n % 28),
        }, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


# Encyclopedia-style articles for wiki.xml.bz2: (title, wikitext).
WIKI = [
    ("Riu Ter", """{{Infotaula riu|nom=Ter|longitud=208 km}}
El '''Ter''' és un riu de Catalunya que neix al [[Pirineu]], a Ulldeter, i desemboca a la [[mar Mediterrània]] prop de l'Estartit.<ref>Agència Catalana de l'Aigua, 2020.</ref> Travessa comarques com el [[Ripollès]], [[Osona]] i el [[Gironès]], i passa per ciutats com [[Ripoll]], [[Manlleu]] i [[Girona]].

== Usos ==
Al llarg de la seva història, l'aigua del Ter ha mogut molins, fargues i fàbriques tèxtils, i avui part del seu cabal abasteix l'àrea de Barcelona a través d'un transvasament.
{| class="wikitable"
! Embassament !! Capacitat
|-
| Sau || 151 hm³
|}
[[Fitxer:Ter a Girona.jpg|miniatura|El Ter al seu pas per Girona]]
[[Categoria:Rius de Catalunya]]"""),
    ("Camino de Santiago", """El '''Camino de Santiago''' es una red de rutas de peregrinación que llevan hasta la [[catedral de Santiago de Compostela]], donde según la tradición se conservan los restos del apóstol.<ref name="xunta">Xunta de Galicia.</ref> La ruta más conocida es el [[Camino Francés]], que cruza el norte de la península desde los Pirineos.

Cada año decenas de miles de personas recorren a pie, en bicicleta o a caballo alguna de sus etapas, y quienes completan al menos los últimos cien kilómetros pueden solicitar la ''compostela'', un certificado que acredita el viaje.
[[Categoría:Peregrinaciones]]"""),
    ("Lighthouse", """A '''lighthouse''' is a tower or other structure that carries a lamp and lenses to guide ships at sea or on inland waterways.<ref>{{cite book|title=Coastal Lights|year=1998}}</ref> Lighthouses mark dangerous coastlines, shoals, reefs and safe entries to harbours.

== History ==
Before electricity, keepers lived beside the light and tended an open fire, then candles and oil lamps; most lights are now automatic and are watched from a distance.
* Fixed lights shine steadily.
* Flashing lights follow a pattern that identifies each tower.
[[Category:Navigation]]"""),
    ("Fromage de chèvre", """Le '''fromage de chèvre''' est un fromage fabriqué à partir du lait de [[chèvre]]. Sa pâte est souvent blanche et son goût devient plus prononcé avec l'affinage.<ref>Institut technique du lait, 2015.</ref> On le trouve frais, crémeux et doux, ou bien sec et friable après plusieurs semaines de cave.

En France, plusieurs fromages de chèvre bénéficient d'une appellation d'origine protégée, comme le crottin de Chavignol ou le sainte-maure-de-touraine, et chaque région revendique sa propre forme : bûche, pyramide ou palet.
[[Catégorie:Fromage au lait de chèvre]]"""),
    ("Schwarzwald", """Der '''Schwarzwald''' ist ein Mittelgebirge im Südwesten [[Deutschland]]s und das höchste Gebirge in [[Baden-Württemberg]].<ref>Landesamt für Geologie, 2019.</ref> Seinen Namen verdankt er den dichten Nadelwäldern, die aus der Ferne fast schwarz wirken.

Die Region ist bekannt für Kuckucksuhren, Wanderwege und kleine Dörfer mit Fachwerkhäusern. Im Winter kommen viele Besucher zum Skilanglauf, im Sommer zum Wandern und Radfahren auf den Höhenwegen.
[[Kategorie:Mittelgebirge]]"""),
    ("Etna", """L'\'''Etna''' è un [[vulcano]] attivo della [[Sicilia]] orientale, il più alto d'Europa tra quelli in attività.<ref>Istituto Nazionale di Geofisica e Vulcanologia.</ref> Le sue eruzioni sono frequenti e vengono osservate da vicino dai ricercatori, che misurano gas, terremoti e deformazioni del suolo.

Sulle sue pendici fertili si coltivano da secoli vigneti, agrumeti e pistacchi, e i paesi che lo circondano convivono con le colate di lava che talvolta raggiungono i campi.
[[Categoria:Vulcani d'Italia]]"""),
]

# Documents for docs.parquet: (lang, text).
PARQUET_DOCS = [
    ("ca", "La biblioteca municipal amplia l'horari durant els mesos d'estiu. A partir de l'1 de juliol obrirà també els dissabtes al matí, i la sala d'estudi estarà disponible fins a les deu del vespre per als estudiants que preparen exàmens."),
    ("es", "El ayuntamiento ha aprobado un plan para plantar mil árboles en los barrios con menos sombra. Las obras empezarán en otoño y los vecinos podrán proponer en qué calles y plazas se colocarán los nuevos ejemplares."),
    ("eu", "Udalak bizikleta bide berri bat egingo du herriko erdigunetik kiroldegiraino. Lanak udaberrian hasiko dira eta, arduradunen arabera, urte amaierarako bidea erabiltzeko moduan egongo da."),
    ("gl", "A confraría de pescadores organiza este fin de semana unha feira do marisco no porto. Haberá postos de degustación, música tradicional e obradoiros para que os máis pequenos coñezan o traballo no mar."),
    ("en", "The county council has opened a new footbridge over the river, linking the railway station with the old town. Cyclists and walkers can now cross in a few minutes instead of taking the long road around the valley."),
    ("de", "Die Stadtwerke erneuern in den kommenden Wochen die Wasserleitungen in der Altstadt. Während der Bauarbeiten kann es zu kurzen Unterbrechungen der Versorgung kommen, über die die Anwohner rechtzeitig informiert werden."),
    ("pl", "Miejska biblioteka zaprasza dzieci na wakacyjne warsztaty czytelnicze. Zajęcia odbywają się we wtorki i czwartki, a uczestnicy poznają nowe książki, rysują ilustracje i wspólnie piszą własne opowiadania."),
    ("nl", "De gemeente legt dit jaar extra fietsenstallingen aan bij het station en in het centrum. Op drukke dagen was er te weinig plek, waardoor veel fietsen op de stoep stonden en voetgangers nauwelijks konden passeren."),
]

WIKI_HEAD = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="ca">
  <siteinfo>
    <sitename>Viquipèdia de mostra</sitename>
    <dbname>samplewiki</dbname>
    <base>https://wiki.example.org/wiki/Portada</base>
    <generator>MediaWiki 1.42</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Discussió</namespace>
      <namespace key="6" case="first-letter">Fitxer</namespace>
      <namespace key="10" case="first-letter">Plantilla</namespace>
      <namespace key="14" case="first-letter">Categoria</namespace>
    </namespaces>
  </siteinfo>
"""


def wiki_page(title, ns, pid, text, redirect=None):
    red = '    <redirect title="%s" />\n' % esc(redirect) if redirect else ""
    return ("  <page>\n    <title>%s</title>\n    <ns>%d</ns>\n    <id>%d</id>\n%s"
            "    <revision>\n      <id>%d</id>\n      <timestamp>2024-03-01T00:00:00Z</timestamp>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            '      <text bytes="%d" xml:space="preserve">%s</text>\n    </revision>\n  </page>\n'
            % (esc(title), ns, pid, red, 1000 + pid, len(text.encode()), esc(text)))


def wiki():
    import bz2
    pages = [wiki_page(t, 0, i + 1, text) for i, (t, text) in enumerate(WIKI)]
    pages.append(wiki_page("Ter", 0, 50, "#REDIRECT [[Riu Ter]]", redirect="Riu Ter"))
    pages.append(wiki_page("Discussió:Riu Ter", 1, 51, "Cal afegir el cabal mitjà. --~~~~"))
    # Multistream: the header, then pages three by three, then the footer, each a bz2 stream.
    streams = [WIKI_HEAD] + ["".join(pages[i:i + 3]) for i in range(0, len(pages), 3)]
    streams.append("</mediawiki>\n")
    return b"".join(bz2.compress(s.encode("utf-8"), 9) for s in streams)


def parquet(path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    rows = [{"id": "pq-%02d" % i, "url": "https://%s.example.org/news/%d" % (lang, i),
             "text": text, "date": "2024-05-%02d" % (1 + i)}
            for i, (lang, text) in enumerate(PARQUET_DOCS)]
    pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")


def main():
    for lang, slug, title, paragraphs, _, _ in PAGES:
        size = len(title) + sum(len(p) for p in paragraphs)
        assert 500 <= size <= 3000, (slug, size)
    with open(os.path.join(HERE, "web.warc.gz"), "wb") as f:
        f.write(web())
    with open(os.path.join(HERE, "docs.jsonl.gz"), "wb") as f:
        f.write(gzip.compress(docs(), compresslevel=9, mtime=0))
    with open(os.path.join(HERE, "wiki.xml.bz2"), "wb") as f:
        f.write(wiki())
    parquet(os.path.join(HERE, "docs.parquet"))


if __name__ == "__main__":
    main()
