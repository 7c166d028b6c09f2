# The portal's messages in English.

## Frame
site-name = Open Public Data Portal
site-tagline = Open list of public data · Industry training corpora
skip-to-content = Skip to main content
gov-bar = Opening public data lawfully and in order for the AI industry
switch-to = 中文
switch-label = 切换到中文
signed-in-as = Signed in as
sign-in = Sign in
sign-out = Sign out
nav-label = Main
nav-home = Home
nav-datasets = Open list
nav-corpora = Training corpora
nav-bureaus = Data bureaus
nav-api = Developer API
breadcrumbs = You are here
footer-data = Data and APIs
footer-about = About this portal
footer-about-text = Under measures 6 and 7 of the city's implementation measures on artificial intelligence, this portal publishes the open list of public data and the industry training-corpus catalogue, and handles AI enterprises' applications to use data.
footer-operator = Operated by:{" "}
footer-contact = Contact:{" "}
footer-organ-mark = Party and government organ website mark
footer-site-code = Site identification code:{" "}
footer-times = Times on these pages are China Standard Time (UTC+8).
link-open-list-csv = Download the open list (CSV)
link-open-list-xlsx = Download the open list (Excel)
link-dcat = DCAT-AP catalogue
link-ckan = CKAN API
link-api-docs = API documentation (OpenAPI)

## Errors
error-status = Error { $n }
error-request-id = If you contact us, quote this request id:
error-go-home = Go to the home page
error-go-search = Browse the open list
error-not-found-title = Page not found
error-not-found-body = The page you are looking for does not exist or is not public. Check the address, or find data from the home page.
error-bad-request-title = Something in the request was not understood
error-bad-request-body = The page received a parameter it cannot use. Go back and choose again, or start from the home page.
error-csrf-title = The form has expired: nothing was changed
error-csrf-body = To protect your account we only accept forms sent from this site's own pages. This form may have come from another site, or the page was open for too long. Open the page again and resend the form; if your browser blocks cookies, allow them first.
error-suspended-title = Your organisation is suspended
error-suspended-body = The platform has suspended your organisation's account. Until it is reinstated you cannot use the signed-in pages. You can still browse public data.
error-forbidden-title = You do not have access
error-forbidden-body = You do not have permission to view this page.
error-method-title = This action is not supported
error-method-body = This page does not accept that kind of request. Use the links and buttons on the page.
error-too-large-title = Too much was sent
error-too-large-body = What you sent is larger than allowed.
error-too-many-title = Too many requests
error-too-many-body = There were too many requests. Try again in a moment.
error-unavailable-title = The service is temporarily unavailable
error-unavailable-body = The system is being maintained or cannot reach its database. Try again in a few minutes.
error-internal-title = Something went wrong
error-internal-body = An unexpected error happened while handling your request; it has been logged. Try again later.
error-other-title = The request could not be completed
error-other-body = Your request could not be completed. Go back and try again.

## Home
home-title = Home
home-heading = Find public data and training corpora
home-lead = Public data of education, healthcare, culture and tourism and other fields, opened lawfully and in order to the public and to AI enterprises, and training corpora of four kinds: literature and language, images and graphics, environmental sensing, maps and locations.
search-label = Search the data
search-hint = Words in Chinese or English, for example “school” or “hospital”.
search-button = Search
home-counts-datasets = { $count ->
    [one] { $n } dataset in the open list
   *[other] { $n } datasets in the open list
}
home-counts-corpora = { $count ->
    [one] { $n } training corpus
   *[other] { $n } training corpora
}
home-domains = Browse by field
tile-datasets = { $count ->
    [one] { $n } dataset
   *[other] { $n } datasets
}
tile-corpora = { $count ->
    [one] { $n } corpus
   *[other] { $n } corpora
}
home-newest = Recently updated
home-all-datasets = See the whole open list
home-take = Take the whole catalogue
home-take-hint = These files and interfaces need no account; other portals may harvest them.
home-corpora = Industry training corpora
home-corpora-lead = Corpora for deep learning, each with a datasheet, its label schema and the public data it was derived from.

## Search
search-datasets-heading = Open list of public data
search-corpora-heading = Training-corpus catalogue
search-title-q = Results for “{ $q }”
search-summary = { $count ->
    [one] { $n } result
   *[other] { $n } results
}
search-summary-q = { $count ->
    [one] { $n } result for “{ $q }”
   *[other] { $n } results for “{ $q }”
}
tabs-label = Catalogues
tab-datasets = Open list ({ $n })
tab-corpora = Training corpora ({ $n })
filters-active = Filters
filter-remove = Remove filter:{" "}
filter-selected = Selected:{" "}
jump-to-filters = Go to the filters
facets-heading = Filter
sort-label = Sort by:
sort-relevance = relevance
sort-modified = last updated
sort-title = title
pager-label = Pages
pager-first = First page
pager-prev = Previous page
pager-next = Next page
pager-page = Page { $n }
empty-heading = Nothing matches
empty-remove-filter = Try removing a filter:
empty-fewer-words = Or use fewer or different words.
empty-browse-all = Browse all entries
facet-q = Words
facet-domain = Field
facet-open-condition = Open condition
facet-bureau = Bureau
facet-format = Format
facet-modality = Kind of corpus
facet-annotation-type = Annotation
facet-language = Language
facet-licence = Licence
facet-update-frequency = Update frequency
facet-keyword = Keyword
facet-sort = Sort

## Listings
card-bureau = Bureau
card-updated = Updated
card-formats = Formats
card-records = Records
status-draft = Draft
status-published = Published
status-withdrawn = Withdrawn
withdrawn-heading = This entry has been withdrawn
withdrawn-no-reason = The bureau gave no reason.
access-heading = How to get it
access-withdrawn = This entry has been withdrawn; its data is no longer provided.
access-unconditional = Open to everyone: download it directly, no account needed.
access-conditional = Conditional: a verified AI enterprise applies, and may use the data once its application is granted.
access-not-open = Not open: the entry is listed for transparency; the data is not provided.
apply-button = Apply to use this data
apply-hint = Sign in with your enterprise's account first; you will come back to the application.
files-heading = Data resources
file-name = Name
file-format = Format
file-size = Size
file-checksum = SHA-256 checksum
file-get = Get it
copy = Copy
copied = Copied
download = Download
open-service = Open the service
needs-grant = Available with a grant
no-file-yet = No file uploaded yet
not-handed-out = Not provided
facts-heading = Entry of the open list
fact-title = Name of the data resource
fact-bureau = Bureau
fact-domain = Field
fact-condition = Open condition
fact-condition-reason = Open-condition statement:{" "}
fact-legal-basis = Legal basis:{" "}
term-condition-reason = Open-condition statement
term-legal-basis = Legal basis
fact-frequency = Update frequency
fact-period = Time covered
fact-area = Area covered
fact-records = Records
fact-formats = Formats
fact-keywords = Keywords
fact-licence = Licence
fact-contact = Contact
fact-published = Published
fact-modified = Last updated
fact-version = Version
open-start = (start not given)
open-end = now
items-heading = Data items
item-name = Field
item-label = Chinese name
item-type = Type
item-description = Description
item-unit = Unit
item-personal = personal information
terms-heading = Terms of use
terms-version = Version { $n }
terms-checksum = SHA-256 of the terms:
terms-none = No terms of use are attached; the licence applies.
derived-heading = Training corpora derived from this data
revisions-heading = Revision history
revisions-none = No revisions yet.
revisions-more = { $n } revisions; the latest 10 are shown.
revisions-all = All revisions (JSON)
exports-heading = Machine-readable
export-json = JSON (open API)
export-dcat = DCAT-AP (RDF)
export-schema-org = schema.org JSON-LD
export-croissant = Croissant (machine learning)
cond-unconditional = Open to all
cond-conditional = Conditional
cond-not-open = Not open
freq-realtime = Real time
freq-daily = Daily
freq-weekly = Weekly
freq-monthly = Monthly
freq-quarterly = Quarterly
freq-yearly = Yearly
freq-irregular = Irregular
type-string = Text string
type-integer = Integer
type-decimal = Decimal
type-boolean = Yes/no
type-date = Date
type-datetime = Date and time
type-code = Code
type-geo-point = Coordinates
type-geometry = Geometry
type-text = Text
type-image = Image
type-binary = Binary
action-create = Created
action-update = Changed
action-publish = Published
action-withdraw = Withdrawn
action-distribution-add = Resource added
action-distribution-upload = File uploaded
action-distribution-update = Resource changed
action-distribution-remove = Resource removed

## Corpora
model-heading = About the corpus
fact-modality = Kind
fact-samples = Samples
fact-size = Total size
fact-languages = Languages
fact-annotations = Annotations
modality-heading = { $modality } details
quantities-heading = Measured quantities
splits-heading = Splits
split-name = Split
split-count = Samples
labels-heading = Label schema
label-count = Annotations
datasheet-heading = Datasheet
datasheet-motivation = Motivation
datasheet-composition = Composition
datasheet-collection-method = Collection
datasheet-collection-period = Collection period
datasheet-preprocessing = Preprocessing
datasheet-annotation-protocol = Annotation protocol
datasheet-personal-information = Personal information
datasheet-biases = Known biases
datasheet-limitations = Limitations
datasheet-intended-uses = Intended uses
datasheet-out-of-scope-uses = Out-of-scope uses
datasheet-maintenance = Maintenance
sources-heading = Source data
sources-none = No source data is registered.
lineage-justification = Why it is open this way:{" "}
fact-char-count = Characters
fact-token-count = Tokens
fact-tokenizer = Tokenizer
fact-genres = Genres
fact-encoding = Encoding
fact-image-count = Images
fact-resolution = Image sizes
fact-colour-mode = Colour mode
fact-file-formats = File formats
fact-annotation-format = Annotation format
fact-sensor-types = Sensors
fact-sampling = Sampling interval
fact-stations = Stations
fact-time-zone = Time zone
fact-extent = Extent (longitude, latitude)
fact-crs = Coordinate reference system
fact-review-number = Map review number (shentu hao)
fact-map-product = Map product
fact-scale = Scale
fact-ground-resolution = Ground resolution
fact-geometry = Geometry types
yes = Yes
no = No
modality-text = Literature and language
modality-image = Images and graphics
modality-sensor = Environmental sensing
modality-geo = Maps and locations
modality-hint-text = Laws, documents, records and other text
modality-hint-image = Imagery, photographs and their annotations
modality-hint-sensor = Time series of environmental monitoring
modality-hint-geo = Maps, points of interest and tracks
annotation-classification = Classification
annotation-detection-boxes = Detection boxes
annotation-segmentation = Segmentation
annotation-keypoints = Keypoints
annotation-captions = Captions
annotation-named-entities = Named entities
annotation-relations = Relations
annotation-transcription = Transcription
annotation-translation = Translation
annotation-question-answering = Question answering
annotation-summarisation = Summarisation
annotation-sentiment = Sentiment
annotation-anomaly-flags = Anomaly flags
annotation-event-labels = Event labels
colour-rgb = Colour (RGB)
colour-rgba = Colour (RGBA)
colour-grayscale = Greyscale
colour-multispectral = Multispectral
colour-thermal = Thermal
geometry-point = Point
geometry-multi-point = Multipoint
geometry-line-string = Line
geometry-multi-line-string = Multiline
geometry-polygon = Polygon
geometry-multi-polygon = Multipolygon
geometry-raster = Raster
language-zh = Chinese
language-en = English

## Bureaus
bureaus-heading = Data bureaus
bureaus-lead = The city's departments responsible for public data, and the data they open.
bureau-datasets = entries of the open list
bureau-corpora = training corpora
bureau-newest = Recently updated data
bureau-none = This bureau has not published data yet.
bureau-all = See all of this bureau's data

## Account
account-heading = My account
account-name = Name
account-email = E-mail
account-organisation = Organisation
account-role = Role
account-since = Signed in at
account-ends = Session ends
account-ends-hint = A session ends by itself after a while without use, or some hours after signing in; then sign in again.
role-admin = Platform administrator
role-publisher = Publisher
role-owner = Owner of the enterprise account
role-member = Member of an enterprise

## portal-fix (issue 12 review): statutory names, limits, codes in words
label-sep = :{" "}
label-format = {" "}({ $format })
fact-identifier = Identifier
fact-title-en = English name
fact-summary = Summary
error-limit-title = The search asks for too much
error-limit-body = The search words or filters are longer or more numerous than allowed. Shorten them and search again.
limit-q-chars = The search words may be at most { $max } characters long; these are { $actual }.
limit-q-terms = At most { $max } search words are allowed; these are { $actual }.
limit-value-chars = A filter value may be at most { $max } characters long; this one is { $actual }.
limit-cursor-chars = The page link is too long (at most { $max } characters); browse again from the first page.
limit-other = Over a limit: at most { $max }, here { $actual }.
duration-years = { $count ->
    [one] 1 year
   *[other] { $count } years
}
duration-months = { $count ->
    [one] 1 month
   *[other] { $count } months
}
duration-weeks = { $count ->
    [one] 1 week
   *[other] { $count } weeks
}
duration-days = { $count ->
    [one] 1 day
   *[other] { $count } days
}
duration-hours = { $count ->
    [one] 1 hour
   *[other] { $count } hours
}
duration-minutes = { $count ->
    [one] 1 minute
   *[other] { $count } minutes
}
duration-seconds = { $count ->
    [one] 1 second
   *[other] { $count } seconds
}
language-zh-cn = Chinese (Simplified)
language-zh-tw = Chinese (Traditional)
language-en-us = English
annotation-format-coco = COCO
annotation-format-pascal-voc = Pascal VOC
annotation-format-yolo = YOLO
annotation-format-labelme = LabelMe
annotation-format-cvat-xml = CVAT XML
annotation-format-cityscapes = Cityscapes
annotation-format-other = Other
field-name = Identifier
field-title = Name
field-title-en = English name
field-summary = Summary
field-summary-en = English summary
field-domain = Field
field-bureau-id = Bureau
field-open-condition = Open condition
field-open-condition-reason = Open-condition statement
field-legal-basis = Legal basis
field-update-frequency = Update frequency
field-temporal-start = Start of time covered
field-temporal-end = End of time covered
field-spatial-coverage = Area covered
field-record-count = Records
field-data-items = Data items
field-keywords = Keywords
field-contact = Contact
field-licence = Licence
field-terms = Terms of use
field-max-grant-days = Longest grant
field-status = Status
field-withdrawn-reason = Reason for withdrawal
field-formats = Formats
field-distributions = Resources
field-modality = Kind
field-sample-count = Samples
field-total-bytes = Total size
field-languages = Languages
field-annotation-types = Annotations
field-splits = Splits
field-label-schema = Label schema
field-datasheet = Datasheet
field-text = Text details
field-image = Image details
field-sensor = Sensor details
field-geo = Map details
field-derived-from = Source data
field-lineage-justification = Lineage justification
