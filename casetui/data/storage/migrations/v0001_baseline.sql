-- casetui schema version 1 (SQLite), as first released. Never edit.
CREATE TABLE casetui_meta (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE setting (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE client (
	id INTEGER NOT NULL, 
	first_name VARCHAR(100) NOT NULL, 
	last_name VARCHAR(100) NOT NULL, 
	preferred_name VARCHAR(100), 
	date_of_birth DATE, 
	gender VARCHAR(32), 
	pronouns VARCHAR(32), 
	language VARCHAR(64), 
	interpreter_needed BOOLEAN NOT NULL, 
	phone VARCHAR(40), 
	email VARCHAR(200), 
	address VARCHAR(200), 
	city VARCHAR(100), 
	postal_code VARCHAR(20), 
	household_size INTEGER, 
	household_notes TEXT, 
	veteran BOOLEAN NOT NULL, 
	populations JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE organization (
	id VARCHAR(250) NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	alternate_name VARCHAR(250), 
	description TEXT, 
	email VARCHAR(250), 
	website VARCHAR(500), 
	tax_id VARCHAR(100), 
	year_incorporated INTEGER, 
	legal_status VARCHAR(100), 
	PRIMARY KEY (id)
);

CREATE TABLE audit_event (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	entity_id VARCHAR(250), 
	client_id INTEGER, 
	fields JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE case_file (
	id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	program VARCHAR(100) NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	stage VARCHAR(20) NOT NULL, 
	opened_on DATE NOT NULL, 
	closed_on DATE, 
	next_review_on DATE, 
	retention_until DATE, 
	safety_flag BOOLEAN NOT NULL, 
	safety_flag_reason VARCHAR(200), 
	safety_followup_on DATE, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(client_id) REFERENCES client (id)
);

CREATE TABLE service (
	id VARCHAR(250) NOT NULL, 
	organization_id VARCHAR, 
	program_id VARCHAR(250), 
	name VARCHAR(250) NOT NULL, 
	alternate_name VARCHAR(250), 
	description TEXT, 
	url VARCHAR(500), 
	email VARCHAR(250), 
	status VARCHAR(30) NOT NULL, 
	interpretation_services TEXT, 
	application_process TEXT, 
	fees_description TEXT, 
	schedule_description TEXT, 
	eligibility_description TEXT, 
	minimum_age FLOAT, 
	maximum_age FLOAT, 
	genders JSON NOT NULL, 
	languages JSON NOT NULL, 
	populations JSON NOT NULL, 
	categories JSON NOT NULL, 
	taxonomy_terms JSON NOT NULL, 
	service_area TEXT, 
	last_verified_on DATE, 
	updated_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(organization_id) REFERENCES organization (id)
);

CREATE TABLE location (
	id VARCHAR(250) NOT NULL, 
	organization_id VARCHAR, 
	name VARCHAR(250), 
	description TEXT, 
	address_1 VARCHAR(250), 
	address_2 VARCHAR(250), 
	city VARCHAR(100), 
	state_province VARCHAR(100), 
	postal_code VARCHAR(20), 
	country VARCHAR(2), 
	latitude FLOAT, 
	longitude FLOAT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(organization_id) REFERENCES organization (id)
);

CREATE TABLE consent (
	id INTEGER NOT NULL, 
	client_id INTEGER NOT NULL, 
	recipient VARCHAR(250) NOT NULL, 
	scope VARCHAR(32) NOT NULL, 
	signed_on DATE NOT NULL, 
	expires_on DATE, 
	revoked_on DATE, 
	revoked_reason TEXT, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(client_id) REFERENCES client (id)
);

CREATE TABLE stage_change (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	from_stage VARCHAR(20), 
	to_stage VARCHAR(20) NOT NULL, 
	reason TEXT NOT NULL, 
	changed_on DATE NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE assessment (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	assessed_on DATE NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	referral_source VARCHAR(200), 
	referral_reason TEXT, 
	client_words TEXT, 
	strengths TEXT, 
	service_history TEXT, 
	environmental_factors TEXT, 
	consent_to_services BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE intake_draft (
	id INTEGER NOT NULL, 
	case_id INTEGER, 
	worker VARCHAR(100) NOT NULL, 
	data JSON NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE goal (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	statement TEXT NOT NULL, 
	domains JSON NOT NULL, 
	measure VARCHAR(200) NOT NULL, 
	unit VARCHAR(40), 
	direction VARCHAR(10) NOT NULL, 
	baseline FLOAT, 
	target FLOAT, 
	start_on DATE NOT NULL, 
	due_on DATE NOT NULL, 
	actor VARCHAR(20) NOT NULL, 
	lifecycle_status VARCHAR(20) NOT NULL, 
	achievement_status VARCHAR(20), 
	status_reason TEXT, 
	revision INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE service_at_location (
	id VARCHAR(250) NOT NULL, 
	service_id VARCHAR NOT NULL, 
	location_id VARCHAR NOT NULL, 
	description TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(service_id) REFERENCES service (id), 
	FOREIGN KEY(location_id) REFERENCES location (id)
);

CREATE TABLE phone (
	id VARCHAR(250) NOT NULL, 
	organization_id VARCHAR, 
	service_id VARCHAR, 
	location_id VARCHAR, 
	number VARCHAR(60) NOT NULL, 
	extension VARCHAR(20), 
	type VARCHAR(30), 
	description TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(organization_id) REFERENCES organization (id), 
	FOREIGN KEY(service_id) REFERENCES service (id), 
	FOREIGN KEY(location_id) REFERENCES location (id)
);

CREATE TABLE contact (
	id VARCHAR(250) NOT NULL, 
	organization_id VARCHAR, 
	service_id VARCHAR, 
	name VARCHAR(250), 
	title VARCHAR(250), 
	department VARCHAR(250), 
	email VARCHAR(250), 
	PRIMARY KEY (id), 
	FOREIGN KEY(organization_id) REFERENCES organization (id), 
	FOREIGN KEY(service_id) REFERENCES service (id)
);

CREATE TABLE referral (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	service_id VARCHAR, 
	provider_name VARCHAR(250) NOT NULL, 
	service_name VARCHAR(250) NOT NULL, 
	domain VARCHAR(32), 
	referred_on DATE NOT NULL, 
	follow_up_on DATE, 
	status VARCHAR(20) NOT NULL, 
	outcome_on DATE, 
	outcome_reason TEXT, 
	note TEXT, 
	for_discharge BOOLEAN NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id), 
	FOREIGN KEY(service_id) REFERENCES service (id)
);

CREATE TABLE note (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	occurred_on DATE NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	duration_minutes INTEGER, 
	text TEXT NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE coordination_contact (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	recipient VARCHAR(250) NOT NULL, 
	contacted_on DATE NOT NULL, 
	method VARCHAR(20) NOT NULL, 
	information_shared TEXT, 
	consent_id INTEGER, 
	note TEXT, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id), 
	FOREIGN KEY(consent_id) REFERENCES consent (id)
);

CREATE TABLE discharge (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	reason VARCHAR(32), 
	reason_other TEXT, 
	planned BOOLEAN, 
	discharge_on DATE, 
	destination INTEGER, 
	subsidy_type INTEGER, 
	goal_reviews JSON NOT NULL, 
	health_changes TEXT, 
	behavioural_changes TEXT, 
	medication_changes TEXT, 
	recommendations TEXT, 
	summary_text TEXT, 
	steps_done JSON NOT NULL, 
	finalized_at DATETIME, 
	closed_at DATETIME, 
	worker VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE document (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	title VARCHAR(250) NOT NULL, 
	path VARCHAR(1000), 
	created_on DATE NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES case_file (id)
);

CREATE TABLE assessment_need (
	id INTEGER NOT NULL, 
	assessment_id INTEGER NOT NULL, 
	domain VARCHAR(32) NOT NULL, 
	score INTEGER, 
	note TEXT, 
	wants_goal BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (assessment_id, domain), 
	FOREIGN KEY(assessment_id) REFERENCES assessment (id)
);

CREATE TABLE instrument_score (
	id INTEGER NOT NULL, 
	assessment_id INTEGER NOT NULL, 
	instrument VARCHAR(16) NOT NULL, 
	answers JSON NOT NULL, 
	total INTEGER NOT NULL, 
	severity VARCHAR(40) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(assessment_id) REFERENCES assessment (id)
);

CREATE TABLE goal_revision (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	revision INTEGER NOT NULL, 
	snapshot JSON NOT NULL, 
	reason TEXT NOT NULL, 
	revised_at DATETIME NOT NULL, 
	worker VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id)
);

CREATE TABLE objective (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	due_on DATE, 
	done_on DATE, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id)
);

CREATE TABLE progress_entry (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	recorded_on DATE NOT NULL, 
	value FLOAT NOT NULL, 
	note TEXT, 
	evidence_source VARCHAR(200), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id)
);

CREATE INDEX ix_audit_client_at ON audit_event (client_id, at);

CREATE INDEX ix_audit_event_at ON audit_event (at);

CREATE INDEX ix_case_file_client_id ON case_file (client_id);

CREATE INDEX ix_case_file_open ON case_file (closed_on, worker);

CREATE INDEX ix_service_organization_id ON service (organization_id);

CREATE INDEX ix_location_postal_code ON location (postal_code);

CREATE INDEX ix_location_organization_id ON location (organization_id);

CREATE INDEX ix_location_city ON location (city);

CREATE INDEX ix_consent_client_id ON consent (client_id);

CREATE INDEX ix_stage_change_case_id ON stage_change (case_id);

CREATE INDEX ix_assessment_case_id ON assessment (case_id);

CREATE INDEX ix_intake_draft_case_id ON intake_draft (case_id);

CREATE INDEX ix_goal_case_id ON goal (case_id);

CREATE INDEX ix_service_at_location_service_id ON service_at_location (service_id);

CREATE INDEX ix_service_at_location_location_id ON service_at_location (location_id);

CREATE INDEX ix_phone_service_id ON phone (service_id);

CREATE INDEX ix_phone_location_id ON phone (location_id);

CREATE INDEX ix_phone_organization_id ON phone (organization_id);

CREATE INDEX ix_contact_service_id ON contact (service_id);

CREATE INDEX ix_contact_organization_id ON contact (organization_id);

CREATE INDEX ix_referral_service_id ON referral (service_id);

CREATE INDEX ix_referral_case_id ON referral (case_id);

CREATE INDEX ix_note_case_date ON note (case_id, occurred_on);

CREATE INDEX ix_coordination_contact_case_id ON coordination_contact (case_id);

CREATE INDEX ix_discharge_case_id ON discharge (case_id);

CREATE INDEX ix_document_case_id ON document (case_id);

CREATE INDEX ix_assessment_need_assessment_id ON assessment_need (assessment_id);

CREATE INDEX ix_instrument_score_assessment_id ON instrument_score (assessment_id);

CREATE INDEX ix_goal_revision_goal_id ON goal_revision (goal_id);

CREATE INDEX ix_objective_goal_id ON objective (goal_id);

CREATE INDEX ix_progress_entry_goal_id ON progress_entry (goal_id);

