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

## Forms (part B)
error-prefix = Error:{ " " }
error-summary-title = There is a problem
optional = Optional
next-steps = What happens next
date-hint = For example, 2026-12-01 (year-month-day)
days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
nav-requests = My requests
nav-grants = My grants
nav-keys = API keys
register-link = Register an enterprise

## Sign-in
signin-heading = Sign in
signin-email = Email address
signin-password = Password
signin-otp-summary = Does your account use two-step verification?
signin-otp = One-time code
signin-otp-hint = The 6 digits your authenticator app shows, or one of your recovery codes. Leave empty if your account does not use two-step verification.
signin-no-account = No account yet?
signin-wrong = The email address or password is not right
signin-wrong-with-otp = The email address, password or one-time code is not right
signin-throttled = Too many failed sign-ins: signing in is paused to protect the account. Try again in { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}.
signin-enrolment-required = Your role signs in with two-step verification, and this account has none yet. Ask a platform administrator to set it up.
field-signin-email = Enter your email address
field-signin-password = Enter your password
field-signin-otp = This account uses two-step verification: enter the 6-digit code from your authenticator app

## Registration
register-heading = Register an enterprise
register-lead = After you register, a platform administrator verifies the enterprise. Once verified, it can apply for conditionally open data.
register-enterprise = The enterprise
register-name = Legal name (Chinese)
register-name-hint = As on the business licence
register-name-en = English name
register-uscc = Unified social credit code
register-uscc-hint = 18 characters, on the business licence
register-uscc-confirm = I have checked: the code is as on the business licence; send it for manual review
register-contact = Contact person
register-contact-name = Name
register-contact-phone = Phone
register-contact-phone-hint = Mobile or landline, for example +86 21 5555 0100
register-contact-email = Email
register-owner = Account owner
register-owner-hint = The first user owns the enterprise's account and manages its members and API keys.
register-owner-email = Sign-in email
register-owner-email-hint = Used to sign in; must not belong to another account
register-owner-name = Name
register-owner-password = Password
register-owner-password-hint = At least 10 characters; not a common password or words from the email address
register-submit = Register
register-conflict = This registration cannot be accepted: its unified social credit code, its name or its sign-in email is already registered or looks like one that is. If the enterprise is yours, contact the platform operator.
register-throttled = Too many registrations from your network. Try again in an hour.
field-register-name = Enter the enterprise's legal name (at most 200 characters, not like a registered enterprise's)
field-register-name-en = The English name must be at most 200 characters, without invisible characters
field-register-uscc = Enter the 18-character unified social credit code (digits and capital letters, no I, O, Z, S or V)
field-register-uscc-check = The check character of the unified social credit code is not right. Check it; if it is as on the business licence, tick the box below and send the form again
field-register-contact-name = Enter the contact person's name
field-register-contact-phone = Enter a valid phone number
field-register-contact-email = Enter a valid contact email address
field-register-owner-email = Enter a valid sign-in email address
field-register-owner-display-name = The name must be at most 100 characters
field-register-owner-password = The password is too weak: at least 10 characters, not a common password and not containing the email
registered-heading = Registration received
registered-step-review = A platform administrator verifies the enterprise's details, usually within 5 working days.
registered-step-signin = You can sign in now and follow the verification on "My account"; if it is rejected, the reason is shown there.
registered-step-apply = Once verified, apply for conditionally open data from its page.

## Account
account-org-status = Enterprise verification
account-pending = The enterprise is being verified. Until then you can only see your own account.
account-rejected = The enterprise was not verified. Correct what the reason names and contact the platform operator to verify it again.
org-status-active = Active
org-status-pending = Awaiting verification
org-status-verified = Verified
org-status-rejected = Rejected
org-status-suspended = Suspended

## Access requests
requests-heading = My requests
requests-none = Your enterprise has not applied for any data yet.
requests-find = Find conditionally open data
requests-total = { $n ->
    [one] { $n } request
   *[other] { $n } requests
}
request-heading = Request
request-listing = Data
request-state = State
request-submitted = Submitted
request-deadline = Review deadline
request-opinion = Bureau's opinion
request-opinion-pending = Not given yet
request-decision = Decision
request-reason = Reason:{ " " }
request-overdue = Overdue
request-terms = Terms accepted
request-see-grant = See the grant
request-withdraw = Withdraw the request
request-withdraw-hint = After withdrawing you can change it and apply again.
request-reapply = Apply again from this request
request-confirmation-heading = Request submitted
request-reference = Reference:{ " " }
request-step-bureau = The bureau that owns the data reviews the request and gives its opinion.
request-step-deadline = The platform decides by { $deadline }.
request-step-grant = Once approved, the grant appears under "My grants", where you download the data.
request-state-submitted = Under review
request-state-approved = Approved
request-state-rejected = Rejected
request-state-withdrawn = Withdrawn
opinion-consent = Consents
opinion-object = Objects
purpose-model-training = Model training
purpose-model-evaluation = Model evaluation
purpose-research = Research
purpose-product = Product development

## Access-request form
apply-heading = Apply for access
apply-back = Back to the data's page
apply-closed-not-enterprise = Only enterprise accounts apply for data.
apply-closed-not-verified = Your enterprise is not verified yet; it can apply once it is. "My account" shows where verification stands.
apply-closed-not-conditional = This data takes no applications: it is either open to everyone or not handed out.
apply-closed-no-terms = This data has no terms of use yet, so it cannot be requested.
apply-reapply-note = This form is filled in from your earlier request: change it and send it.
apply-distributions = Files requested
apply-distributions-hint = Tick the files you need
apply-purpose-category = Kind of use
apply-purpose = What the data is for
apply-purpose-hint = Say specifically what the data will be used for, at least 10 characters
apply-scenario = Where and how it is processed
apply-scenario-hint = At least 10 characters
apply-security = Security measures
apply-security-hint = The measures your enterprise commits to, at least 10 characters
apply-duration = Duration (days)
apply-duration-hint = 1 to { $n } days
apply-terms-heading = Terms of use (version { $n })
apply-accept = I have read and accept version { $n } of the terms of use
apply-submit = Send the request
apply-already-open = Your enterprise already has a request for this data under review: see "My requests".
apply-terms-changed = The terms of use have just changed: read the new version below and send the form again.
field-apply-distribution-ids = Choose at least one file
field-apply-purpose-category = Choose the kind of use
field-apply-purpose = Say what the data is for (10 to 4000 characters)
field-apply-scenario = Say where and how it is processed (10 to 4000 characters)
field-apply-security-measures = Say which security measures you take (10 to 4000 characters)
field-apply-duration-days = Enter the duration in days, within this data's limit
field-apply-accept-terms = Read and accept the terms of use

## Grants
grants-heading = My grants
grants-none = Your enterprise holds no grants yet. Approved requests appear here.
grants-total = { $n ->
    [one] { $n } grant
   *[other] { $n } grants
}
grant-heading = Grant
grant-state = State
grant-valid = Valid
grant-valid-until = Valid until
grant-conditions = Conditions
grant-no-conditions = No further conditions
grant-files = Files
grant-not-active = The grant cannot be used now, so its files cannot be downloaded.
grant-external = Served by the bureau's own service:
grant-reports = Usage reports
grant-next-report = Next report due
grant-report-overdue = Report overdue
grant-report-form = File a usage report
grant-reported = The usage report was filed.
grant-log = Access log
grant-log-empty = Nothing logged yet.
grant-log-total = { $n } entries; the newest 20 are shown
grant-state-active = Active
grant-state-pending = Not started
grant-state-expired = Expired
grant-state-revoked = Revoked
grant-state-suspended = Suspended
log-at = Time
log-event = Event
log-file = File
log-bytes = Size
log-event-token-issued = Data token issued
log-event-download = Download
log-event-query = Aggregate query
report-period-start = Period start
report-period-end = Period end
report-usage = How the data was used
report-models = Models trained or products built
report-outcome = Outcome
report-incident = Security incident
report-incident-hint = Leave empty if there was none
report-submit = File the report
field-report-period-start = Enter the first day of the period, as year-month-day
field-report-period-end = Enter the last day of the period (not before the first), as year-month-day
field-report-usage = Say how the data was used
field-report-models = This is too long
field-report-outcome = Say what came of it
field-report-incident = This is too long

## API keys
keys-heading = API keys
keys-lead = Scripts and training pipelines call the API with a key (Authorization: Bearer <key>). A key is shown only once, when it is created.
keys-list = Keys in use
keys-none = No keys yet.
keys-name = Name
keys-name-hint = What it is for, for example training-pipeline
keys-prefix = Starts with
keys-created-at = Created
keys-expires = Expires
keys-expires-hint = Optional; leave empty for a key that does not expire. As year-month-day
keys-never = Never
keys-last-used = Last used
keys-actions = Actions
keys-revoke = Revoke
keys-revoked = The key was revoked and stopped working at once.
keys-new = Create a key
keys-create = Create
keys-created = Key "{ $name }" created
keys-created-once = Copy it now and keep it safe: it cannot be shown again after you leave this page.
keys-not-allowed = Accounts that sign in with two-step verification (such as administrators) cannot create API keys.
field-key-name = Enter a name for the key (at most 100 characters)
field-key-expires-on = Enter a date after today, as year-month-day
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
