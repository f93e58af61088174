/**
 * User attributes: the standard OIDC set every pool has, custom attributes from the pool's
 * schema, and validation of values against both, with AWS's messages.
 * @module
 */
import type { AttributeType, SchemaAttributeType } from '../api.generated.js';
import { invalidParameter } from '../errors.js';

const str = (name: string, min = '0', max = '2048', extra: Partial<SchemaAttributeType> = {}): SchemaAttributeType => ({
  Name: name,
  AttributeDataType: 'String',
  DeveloperOnlyAttribute: false,
  Mutable: true,
  Required: false,
  StringAttributeConstraints: { MinLength: min, MaxLength: max },
  ...extra,
});
const bool = (name: string): SchemaAttributeType => ({ Name: name, AttributeDataType: 'Boolean', DeveloperOnlyAttribute: false, Mutable: true, Required: false });

/** The standard attributes, in the order DescribeUserPool lists them. */
export const STANDARD_ATTRIBUTES: readonly SchemaAttributeType[] = [
  str('sub', '1', '2048', { Mutable: false, Required: true }),
  str('name'),
  str('given_name'),
  str('family_name'),
  str('middle_name'),
  str('nickname'),
  str('preferred_username'),
  str('profile'),
  str('picture'),
  str('website'),
  str('email'),
  bool('email_verified'),
  str('gender'),
  str('birthdate', '10', '10'),
  str('zoneinfo'),
  str('locale'),
  str('phone_number'),
  bool('phone_number_verified'),
  str('address'),
  { Name: 'updated_at', AttributeDataType: 'Number', DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: '0' } },
  { Name: 'identities', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: true, Required: false, StringAttributeConstraints: {} },
];

export const STANDARD_NAMES: ReadonlySet<string> = new Set(STANDARD_ATTRIBUTES.map((a) => a.Name!));

/** Attributes the server owns: clients may not write them. */
const SERVER_OWNED = new Set(['sub', 'identities']);

/** An attribute map keyed by name; never a plain object lookup on user-chosen keys. */
export type Attributes = Map<string, string>;

export function attributesFromJson(json: string): Attributes {
  return new Map(JSON.parse(json) as [string, string][]);
}

export function attributesToJson(attrs: Attributes): string {
  return JSON.stringify([...attrs]);
}

export function toAttributeList(attrs: Attributes, only?: ReadonlySet<string>): AttributeType[] {
  const out: AttributeType[] = [];
  for (const [Name, Value] of attrs) if (only === undefined || only.has(Name)) out.push({ Name, Value });
  return out;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PHONE = /^\+[0-9]{4,15}$/;

export function isEmail(v: string): boolean {
  return EMAIL.test(v) && v.length <= 2048;
}

export function isPhoneNumber(v: string): boolean {
  return PHONE.test(v);
}

export interface AttributeWriteOptions {
  /** Admin calls may set email_verified / phone_number_verified; users may not. */
  admin: boolean;
  /** Whether immutable attributes may be set (creation) or not (update). */
  creating: boolean;
}

/**
 * Validates attributes a caller wants to write and returns them as a map. Unknown names,
 * server-owned names, bad formats and immutable updates are InvalidParameterException with
 * AWS's "Attributes did not conform to the schema" wording.
 */
export function validateAttributeWrites(schema: readonly SchemaAttributeType[], list: readonly AttributeType[] | undefined, opts: AttributeWriteOptions): Attributes {
  const byName = new Map(schema.map((s) => [s.Name!, s]));
  const out: Attributes = new Map();
  for (const a of list ?? []) {
    const name = a.Name;
    const value = a.Value ?? '';
    const def = byName.get(name);
    if (def === undefined || def.DeveloperOnlyAttribute === true) {
      // AWS words this differently for users (SignUp, NEW_PASSWORD_REQUIRED) and administrators.
      throw invalidParameter(
        opts.admin
          ? `Attributes did not conform to the schema: Type for attribute {${name}} could not be determined`
          : `Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`,
      );
    }
    if (SERVER_OWNED.has(name)) throw invalidParameter(`Cannot modify the non-mutable attribute ${name}`);
    if (!opts.creating && def.Mutable === false) throw invalidParameter(`Cannot modify the non-mutable attribute ${name}`);
    if ((name === 'email_verified' || name === 'phone_number_verified') && !opts.admin) {
      throw invalidParameter(`Cannot modify the non-mutable attribute ${name}`);
    }
    checkValue(def, name, value);
    out.set(name, normalizeValue(def, value));
  }
  return out;
}

function checkValue(def: SchemaAttributeType, name: string, value: string): void {
  const fail = (why: string): never => {
    throw invalidParameter(`Attributes did not conform to the schema: ${name}: ${why}`);
  };
  if (name === 'email' && value !== '' && !isEmail(value)) throw invalidParameter('Invalid email address format.');
  if (name === 'phone_number' && value !== '' && !isPhoneNumber(value)) throw invalidParameter('Invalid phone number format.');
  switch (def.AttributeDataType) {
    case 'Boolean':
      if (!/^(true|false)$/i.test(value)) fail('Attribute value must be a boolean');
      break;
    case 'Number': {
      if (!/^-?\d+(\.\d+)?$/.test(value)) fail('Attribute value must be a number');
      const n = Number(value);
      const c = def.NumberAttributeConstraints;
      if (c?.MinValue !== undefined && n < Number(c.MinValue)) fail(`Number must be greater than or equal to ${c.MinValue}`);
      if (c?.MaxValue !== undefined && n > Number(c.MaxValue)) fail(`Number must be less than or equal to ${c.MaxValue}`);
      break;
    }
    case 'DateTime':
      break;
    default: {
      const c = def.StringAttributeConstraints;
      if (c?.MaxLength !== undefined && value.length > Number(c.MaxLength)) fail(`String must be no longer than ${c.MaxLength} characters`);
      if (c?.MinLength !== undefined && value.length < Number(c.MinLength) && value !== '') fail(`String must be no shorter than ${c.MinLength} characters`);
    }
  }
}

function normalizeValue(def: SchemaAttributeType, value: string): string {
  return def.AttributeDataType === 'Boolean' ? value.toLowerCase() : value;
}

/** Required attributes (other than sub) a user lacks, for sign-up errors and NEW_PASSWORD_REQUIRED. */
export function missingRequired(schema: readonly SchemaAttributeType[], attrs: Attributes): string[] {
  return schema.filter((s) => s.Required === true && s.Name !== 'sub' && !(attrs.get(s.Name!) ?? '')).map((s) => s.Name!);
}

/** AWS writes the required-attribute error as one line per missing attribute. */
export function requiredAttributesError(missing: readonly string[]): Error {
  return invalidParameter(`Attributes did not conform to the schema: ${missing.map((m) => `${m}: The attribute ${m} is required`).join(', ')}`);
}
