"""What an SVG figure may hold: the allow-list, the bounds, and what is dropped and why.

Data only, read by the parser (svgparse.py), the sanitizer (svg.py) and the CSS judge
(svgcss.py); the policy it encodes is described in svg.py's docstring.
"""

from __future__ import annotations

import re

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_SVG_ELEMENTS = 200_000  # a chart draws thousands; millions is a <use> bomb
MAX_SVG_DEPTH = 100  # nesting, <use> references followed; charts nest under 20
MAX_CSS_DEPTH = 32  # brackets inside a <style> or style=""

# What a link in a figure may point at (the same rule as links in the text).
SAFE_LINK = re.compile(r"^(https?://[^\s/]|mailto:[^\s]|#)", re.IGNORECASE)

ELEMENTS = frozenset("""
a circle clipPath defs desc ellipse feBlend feColorMatrix feComponentTransfer feComposite
feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood
feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology
feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence filter g image line
linearGradient marker mask path pattern polygon polyline radialGradient rect stop style svg
switch symbol text textPath title tspan use view
""".split())
ACTIVE = {"script": "figures may not run code",
          "foreignObject": "HTML inside a figure is not drawn in the PDF and may run code",
          "iframe": "figures may not embed pages", "embed": "figures may not embed pages",
          "object": "figures may not embed pages", "handler": "figures may not run code",
          "listener": "figures may not run code"}
ANIMATION = {"animate", "animateColor", "animateMotion", "animateTransform", "set",
             "discard", "mpath"}
SILENT = {"metadata"}  # never drawn: dropped with its content, without a word

ATTRIBUTES = frozenset("""
id class style lang role tabindex transform viewBox preserveAspectRatio width height x y
x1 x2 y1 y2 cx cy r rx ry fx fy fr d points pathLength version baseProfile
alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
color-interpolation-filters color-rendering direction display dominant-baseline
enable-background fill fill-opacity fill-rule filter flood-color flood-opacity font
font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
image-rendering letter-spacing lighting-color marker marker-end marker-mid marker-start
mask mask-type opacity overflow paint-order pointer-events shape-rendering stop-color
stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin
stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration text-rendering
transform-origin unicode-bidi vector-effect visibility word-spacing writing-mode
dx dy rotate textLength lengthAdjust startOffset method spacing side
gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits
patternTransform markerUnits markerWidth markerHeight refX refY orient clipPathUnits
maskUnits maskContentUnits filterUnits primitiveUnits in in2 result stdDeviation mode
operator k1 k2 k3 k4 type values tableValues slope intercept amplitude exponent order
kernelMatrix divisor bias targetX targetY edgeMode kernelUnitLength preserveAlpha
surfaceScale diffuseConstant specularConstant specularExponent scale xChannelSelector
yChannelSelector baseFrequency numOctaves seed stitchTiles azimuth elevation z pointsAtX
pointsAtY pointsAtZ limitingConeAngle radius systemLanguage media href focusable
cursor isolation mix-blend-mode white-space font-kerning font-feature-settings
font-variant-ligatures text-overflow inline-size
""".split())
EDITORS = ("http://www.inkscape.org/namespaces/", "http://sodipodi.sourceforge.net/",
           "http://ns.adobe.com/", "http://www.bohemiancoding.com/sketch/",
           "http://www.serif.com/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
           "http://purl.org/dc/", "http://creativecommons.org/ns#",
           "http://www.figma.com/", "https://boxy-svg.com")
# CSS functions that fetch what their argument names (a url token or a string)
FETCHING = {"url", "src", "image", "image-set", "-webkit-image-set", "cross-fade",
            "-webkit-cross-fade", "element", "paint"}
CODE_PROPERTIES = {"behavior", "-moz-binding"}  # old IE/Firefox: CSS that runs code
