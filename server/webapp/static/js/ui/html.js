// The component layer: Preact + htm tagged templates (they escape every value: no HTML is ever parsed from strings).
import { h, render, Fragment } from '../../vendor/preact/preact.module.js';
import { useState, useEffect, useRef, useCallback, useMemo } from '../../vendor/preact/hooks.module.js';
import htm from '../../vendor/htm/htm.module.js';

export const html = htm.bind(h);
export { h, render, Fragment, useState, useEffect, useRef, useCallback, useMemo };
